#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of the admin socket and the credential push interface
# (controlplane/cp_admin.h) with turnpike-admin and coturn's own client.
# turnpike starts with lt-cred-mech and one placeholder user only; then:
#   - the socket exists with mode 0600 and `stats` answers ok;
#   - turnutils_uclient as user "pushed" is refused (no such user);
#   - `user-add pushed PW` is pushed; the same uclient run now relays every
#     message back with zero loss; `allocations` answers ok;
#   - DPDK telemetry (dpdk-telemetry.py -f PREFIX): /turnpike/stats and
#     /turnpike/workers give turnpike-admin's relayed totals, and
#     /turnpike/allocations lists a live allocation of the pushed user;
#   - `user-del pushed`; a new uclient run is refused again;
#   - a user pushed with a lifetime of 1 s is gone 1.5 s later;
#   - turnpike-admin's exit codes: 1 for an error reply, 2 for a usage
#     error, 3 when nothing listens; the server logged the admin actions
#     but never the password, and removed the socket when it stopped;
#   - the service side (tools/service_notify.h, cp_usage_json.h): with
#     NOTIFY_SOCKET pointing at a listener, turnpike said READY=1 with a
#     STATUS= line once up and STOPPING=1 when stopped; usage-records-json
#     holds, mode 0640, one JSON line per alloc.end log line, each parsing,
#     the pushed user's, with bytes both ways.
# Each check is one pass/fail line (as test_uclient.sh).  See sandbox.sh
# for the network.
#
# Usage: test_admin.sh [--workers N] BUILD_DIR
# Environment: E2E_MSGS messages per client (50), E2E_INTERVAL ms (20).
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no coturn tools).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
for tool in turnutils_uclient turnutils_peer; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found (Debian package coturn)"; exit 77; }
done
ADMIN="$build/tools/turnpike-admin"
[ -x "$ADMIN" ] || { echo "FAIL no $ADMIN"; exit 1; }

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=e2e.turnpike.test
USER=pushed
PASS=pushed-e2e-Pw-7f3a
PEER_PORT=3480
MSGS=${E2E_MSGS:-50}
INTERVAL=${E2E_INTERVAL:-20}
SOCK="$SB_DIR/admin.sock"  # sandbox.sh sets admin-socket there

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 20 lines:"
	grep -vE '^(EAL|TELEMETRY):' "$SB_SERVER_LOG" | tail -n 20 | sed 's/^/    /'
	echo "----"
}

# admin NAME WANT_RC CMD...: run turnpike-admin (bounded), check its exit
# status; the reply is left in $SB_DIR/admin-NAME.out.
admin() {
	local name=$1 want=$2 rc=0
	shift 2
	timeout -k 2 20 "$ADMIN" -s "$SOCK" -t 10 "$@" \
		>"$SB_DIR/admin-$name.out" 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "admin $name: exit $rc ($(tail -n 1 "$SB_DIR/admin-$name.out"))"
		return 0
	fi
	bad "admin $name: exit $rc, want $want"
	sed 's/^/    /' "$SB_DIR/admin-$name.out" | tail -n 10
	server_log_tail
	return 1
}

# uclient NAME clean|refused: as test_uclient.sh, one client, channels.
uclient() {
	local name=$1 mode=$2 log="$SB_DIR/uclient-$1.log" rc=0 t0=$SECONDS
	SB_CMD_TIMEOUT=120 sb_run_c turnutils_uclient -L "$SB_CLIENT_IP" \
		-e "$SB_PEER1_IP" -r "$PEER_PORT" -z "$INTERVAL" -c -n "$MSGS" \
		-u "$USER" -w "$PASS" "$SB_SERVER_IP" >"$log" 2>&1 || rc=$?
	case $rc in
	124|125|126|127|137)
		bad "$name: uclient timed out or could not run (rc $rc)"
		tail -n 10 "$log" | sed 's/^/    /'
		return 1 ;;
	esac
	if [ "$mode" = refused ]; then
		if [ "$rc" -ne 0 ] && ! grep -q 'tot_recv_msgs=[1-9]' "$log"; then
			ok "$name: refused (uclient rc $rc, nothing relayed)"
		else
			bad "$name: not refused (uclient rc $rc)"
			server_log_tail
		fi
		return 0
	fi
	local sent recv lost
	sent=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=.*/\1/p' "$log" | tail -n 1)
	recv=$(sed -n 's/.*start_mclient: tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\)$/\1/p' "$log" | tail -n 1)
	lost=$(sed -n 's/.*Total lost packets \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	if [ -n "$sent" ] && [ -n "$recv" ] && [ "$lost" = 0 ] &&
		[ "$sent" -eq "$MSGS" ] && [ "$recv" -eq "$sent" ]; then
		ok "$name: $sent sent, $recv echoed, 0 lost ($((SECONDS - t0)) s)"
	else
		bad "$name: sent ${sent:-?} (want $MSGS), received ${recv:-?}, lost ${lost:-?} (rc $rc)"
		grep -iE 'error|fail|wrong|cannot|40[0-9]' "$log" | head -n 8 | sed 's/^/    /'
		server_log_tail
	fi
}

sb_bg "$SB_NS_C" peer1 turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"
sleep 0.5

# lt-cred-mech needs a user at start-up: a placeholder nobody uses.
conf="$SB_DIR/admin.conf"
cat >"$conf" <<EOF
realm=$REALM
server-name=turn.$REALM
min-port=49152
max-port=49999
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
rfc5766-channel-numbers
lt-cred-mech
user=placeholder:placeholder-not-used-$RANDOM$RANDOM
usage-records-json=$SB_DIR/usage.jsonl
EOF
echo "# admin socket e2e, workers=$workers net=$SB_PREFIX"
# systemd's side of sd_notify(3): a datagram socket; each message a line
# (its newlines as spaces) in notify.out.
NOTIFY="$SB_DIR/notify.sock"
sb_bg "$SB_NS_S" notify python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        out.flush()
' "$NOTIFY" "$SB_DIR/notify.out"
for _ in $(seq 1 50); do [ -S "$NOTIFY" ] && break; sleep 0.1; done
export NOTIFY_SOCKET="$NOTIFY"
if ! sb_server_start turnpike "$conf" "$workers" "$build"; then
	bad "server start"
	finish
fi
unset NOTIFY_SOCKET
if grep -q '^READY=1 MAINPID=[0-9]* STATUS=running allocations=0$' \
	"$SB_DIR/notify.out" 2>/dev/null; then
	ok "sd_notify: READY=1 with MAINPID and STATUS once the ports were up"
else
	bad "sd_notify: no READY=1 ($(cat "$SB_DIR/notify.out" 2>&1))"
fi

if [ -S "$SOCK" ] && [ "$(stat -c %a "$SOCK")" = 600 ]; then
	ok "socket $SOCK exists, mode 600"
else
	bad "socket $SOCK missing or not mode 600 ($(stat -c %a "$SOCK" 2>&1))"
fi
if admin stats 0 stats; then
	if grep -q '^allocations_live=0$' "$SB_DIR/admin-stats.out" &&
		grep -q '^dp.rx_packets=' "$SB_DIR/admin-stats.out"; then
		ok "stats: allocations_live=0 and fast-path counters present"
	else
		bad "stats: counters missing"
	fi
fi

uclient before-push refused
if admin stats-refused 0 stats; then
	if grep -q '^auth.unknown_user=[1-9]' "$SB_DIR/admin-stats-refused.out"; then
		ok "stats: the refusal was auth.unknown_user"
	else
		bad "stats: no auth.unknown_user after the refused run"
		grep '^auth\.\|^replies\.' "$SB_DIR/admin-stats-refused.out" | sed 's/^/    /'
	fi
fi
admin user-add 0 user-add "$USER" "$PASS"
uclient after-push clean

# DPDK telemetry (tools/turnpike_telemetry.c) shows what turnpike-admin
# does: the relayed totals once traffic has stopped (the snapshot is at most
# 250 ms old), the workers, and a live allocation of the pushed user.
tele() { # tele NAME CMD...: JSON replies, one per line, in tele-NAME.out
	local name=$1
	shift
	printf '%s\n' "$@" | timeout -k 2 20 dpdk-telemetry.py \
		-f "$SB_SERVER_PREFIX" >"$SB_DIR/tele-$name.out" 2>&1
}
tele_check() { # tele_check NAME PYTHON_EXPR_OVER_r: r maps command to reply
	python3 - "$SB_DIR/tele-$1.out" "$2" <<'EOF'
import json, sys
r = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        r.update(json.loads(line))
sys.exit(0 if eval(sys.argv[2], {"r": r}) else 1)
EOF
}
if command -v dpdk-telemetry.py >/dev/null 2>&1; then
	sleep 0.5
	admin stats-for-telemetry 0 stats
	counter() { sed -n "s/^$1=//p" "$SB_DIR/admin-stats-for-telemetry.out"; }
	to_peer=$(( $(counter dp.relay_channel_to_peer) + $(counter dp.relay_send_to_peer) ))
	to_client=$(( $(counter dp.relay_peer_to_channel) + $(counter dp.relay_peer_to_data) ))
	tele totals /turnpike/stats /turnpike/workers
	if tele_check totals "r['/turnpike/stats']['relayed_to_peer'] == $to_peer and r['/turnpike/stats']['relayed_to_client'] == $to_client and $to_peer >= $MSGS and len(r['/turnpike/workers']['rx_packets']) == $workers and sum(r['/turnpike/workers']['relayed_to_peer']) == $to_peer"; then
		ok "telemetry: /turnpike/stats and /turnpike/workers agree with turnpike-admin (relayed $to_peer to peers, $to_client to the client)"
	else
		bad "telemetry: /turnpike/stats or /turnpike/workers differ from turnpike-admin ($to_peer, $to_client)"
		cut -c1-300 "$SB_DIR/tele-totals.out" | sed 's/^/    /'
	fi
	# A live allocation: a slow client in the background.
	SB_BG_TIMEOUT=60 sb_bg "$SB_NS_C" uclient-slow turnutils_uclient \
		-L "$SB_CLIENT_IP" -e "$SB_PEER1_IP" -r "$PEER_PORT" -z 100 -c \
		-n 40 -u "$USER" -w "$PASS" "$SB_SERVER_IP"
	slow=$SB_BG_PID
	sleep 1.5
	tele live /turnpike/allocations
	if tele_check live "r['/turnpike/allocations']['allocations'] >= 1 and r['/turnpike/allocations']['udp'] >= 1 and any(l.startswith('user=$USER client=$SB_CLIENT_IP:') for l in r['/turnpike/allocations']['list'])"; then
		ok "telemetry: /turnpike/allocations lists the pushed user's live allocation"
	else
		bad "telemetry: /turnpike/allocations: $(cut -c1-300 "$SB_DIR/tele-live.out")"
	fi
	sb_kill "$slow"
else
	bad "dpdk-telemetry.py not found (Debian package dpdk-dev)"
fi
admin allocations 0 allocations 10
admin user-del 0 user-del "$USER"
uclient after-del refused
admin user-del-again 1 user-del "$USER"
admin unknown 1 frobnicate
admin secret-add-without-mech 1 secret-add some-secret
admin usage 2
rc=0
timeout 10 "$ADMIN" -s "$SB_DIR/nobody-here.sock" stats >/dev/null 2>&1 || rc=$?
if [ "$rc" -eq 3 ]; then ok "admin no-server: exit 3"; else bad "admin no-server: exit $rc, want 3"; fi
# The password from stdin, as a signalling node would push it.
rc=0
printf 'user-add stdin-user %s\n' "$PASS" |
	timeout 10 "$ADMIN" -s "$SOCK" - >"$SB_DIR/admin-stdin.out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -q '^users=2$' "$SB_DIR/admin-stdin.out"; then
	ok "admin user-add from stdin: exit 0, users=2"
else
	bad "admin user-add from stdin: exit $rc"
	sed 's/^/    /' "$SB_DIR/admin-stdin.out"
fi

# A user pushed with a lifetime goes by itself.
admin user-add-lifetime 0 user-add brief brief-pw 1
sleep 1.5
if admin stats-after-lifetime 0 stats; then
	if grep -q '^credentials.users=2$' "$SB_DIR/admin-stats-after-lifetime.out"; then
		ok "lifetime: the user pushed for 1 s is gone (users=2)"
	else
		bad "lifetime: $(grep '^credentials.users=' "$SB_DIR/admin-stats-after-lifetime.out")"
	fi
fi

sb_server_stop
if grep -q "admin.user_expired name=brief" "$SB_SERVER_LOG"; then
	ok "server log: admin.user_expired name=brief"
else
	bad "server log: no admin.user_expired for brief"
fi
if grep -q "admin.user_add name=$USER result=ok" "$SB_SERVER_LOG" &&
	grep -q "admin.user_del name=$USER result=ok" "$SB_SERVER_LOG"; then
	ok "server log: admin actions logged"
else
	bad "server log: admin actions missing"
fi
if grep -qF -- "$PASS" "$SB_SERVER_LOG"; then
	bad "server log: the password appears in it"
else
	ok "server log: no password in it"
fi
if [ -e "$SOCK" ]; then bad "socket left behind after stop"; else ok "socket removed at stop"; fi
if grep -q '^STOPPING=1 ' "$SB_DIR/notify.out"; then
	ok "sd_notify: STOPPING=1 at SIGTERM"
else
	bad "sd_notify: no STOPPING=1 ($(tr '\n' '|' <"$SB_DIR/notify.out"))"
fi

# The JSON usage records: one line per alloc.end, each a JSON object.
records="$SB_DIR/usage.jsonl"
n_end=$(grep -c ' alloc\.end ' "$SB_SERVER_LOG")
if [ -f "$records" ] && [ "$(stat -c %a "$records")" = 640 ]; then
	ok "usage records: $records exists, mode 640"
else
	bad "usage records: $records missing or not mode 640"
fi
if python3 - "$records" "$n_end" "$REALM" "$USER" <<'PY'; then
import json, sys
from datetime import datetime
path, n_end, realm, user = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
recs = [json.loads(line) for line in open(path).read().splitlines()]
when = lambda t: datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
ok = len(recs) == n_end >= 1
for r in recs:
    ok = ok and r["v"] == 1 and r["realm"] == realm and r["user"] == user
    ok = ok and r["transport"] == "udp" and "relay2" not in r
    d = (when(r["end"]) - when(r["start"])).total_seconds() * 1000
    ok = ok and abs(d - r["duration_ms"]) <= 1
up = sum(r["bytes_from_client"] for r in recs)
down = sum(r["bytes_to_client"] for r in recs)
print(f"    {len(recs)} records, {n_end} alloc.end lines, "
      f"bytes from clients {up}, to clients {down}")
sys.exit(0 if ok and up > 0 and down > 0 else 1)
PY
	ok "usage records: one JSON line per alloc.end, each parses, bytes both ways"
else
	bad "usage records: do not match the log's $n_end alloc.end lines"
	head -c 2000 "$records" | sed 's/^/    /'
fi
finish
