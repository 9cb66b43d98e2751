#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of reload (controlplane/cp_reload.h) with coturn's own
# client.  turnpike starts with lt-cred-mech and one user, "keeper"; then:
#   - turnutils_uclient as "late", not yet in the file, is refused;
#   - a slow uclient run as keeper starts (its allocation is live);
#   - "late" is appended to the file and turnpike gets SIGHUP: the log says
#     `reload result=ok source=sighup changed=user`, the same uclient run
#     as "late" now relays every message back, and keeper's run, which
#     spanned the reload, ends with every message echoed, none lost;
#   - a broken line appended to the file: `turnpike-admin reload` exits 1
#     with `error config FILE:LINE: user: ...` naming the line, and "late"
#     still gets in;
#   - listening-port changed in the file: `turnpike-admin reload` answers
#     ok with not_applied=listening-port, the log names the key, and
#     clients still reach the old port;
#   - a user pushed through the admin socket survives a SIGHUP;
#   - stats counts reloads.ok and reloads.failed; no password in the log.
# Each check is one pass/fail line (as test_admin.sh).  See sandbox.sh for
# the network.
#
# Usage: test_reload.sh [--workers N] BUILD_DIR
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
KEEPER_PASS=keeper-e2e-Pw-41c2
LATE_PASS=late-e2e-Pw-9d0e
PUSHED_PASS=pushed-e2e-Pw-77b1
PEER_PORT=3480
MSGS=${E2E_MSGS:-50}
INTERVAL=${E2E_INTERVAL:-20}
SOCK="$SB_DIR/admin.sock" # sandbox.sh sets admin-socket there

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

# uclient_check NAME LOG RC clean|refused [MSGS]: judge a finished run.
uclient_check() {
	local name=$1 log=$2 rc=$3 mode=$4 want=${5:-$MSGS}
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
		[ "$sent" -eq "$want" ] && [ "$recv" -eq "$sent" ]; then
		ok "$name: $sent sent, $recv echoed, 0 lost"
	else
		bad "$name: sent ${sent:-?} (want $want), received ${recv:-?}, lost ${lost:-?} (rc $rc)"
		grep -iE 'error|fail|wrong|cannot|40[0-9]' "$log" | head -n 8 | sed 's/^/    /'
		server_log_tail
	fi
}

# uclient NAME USER PASS clean|refused: one client, channels, foreground.
uclient() {
	# (not "pass": ok() counts in that global)
	local name=$1 user=$2 pw=$3 mode=$4 log="$SB_DIR/uclient-$1.log" rc=0
	SB_CMD_TIMEOUT=120 sb_run_c turnutils_uclient -L "$SB_CLIENT_IP" \
		-e "$SB_PEER1_IP" -r "$PEER_PORT" -z "$INTERVAL" -c -n "$MSGS" \
		-u "$user" -w "$pw" "$SB_SERVER_IP" >"$log" 2>&1 || rc=$?
	uclient_check "$name" "$log" "$rc" "$mode"
}

# The turnpike process itself: SB_SERVER_PID is timeout(1)'s, which would
# forward a SIGHUP and then SIGKILL its child after -k's grace.
server_pid() {
	pgrep -P "$SB_SERVER_PID" | head -n 1
}

# wait_log PATTERN N [S]: until the server log holds N lines matching
# PATTERN (fixed string), at most S seconds (10).
wait_log() {
	local pattern=$1 n=$2 i
	for i in $(seq 1 $((${3:-10} * 10))); do
		[ "$(grep -cF -- "$pattern" "$SB_SERVER_LOG")" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# hup NAME N: SIGHUP to turnpike, then wait for the Nth sighup reload.
hup() {
	local name=$1 n=$2 pid
	pid=$(server_pid)
	if [ -z "$pid" ] || ! kill -HUP "$pid"; then
		bad "$name: cannot signal turnpike (timeout pid $SB_SERVER_PID)"
		return 1
	fi
	if wait_log "reload result=ok source=sighup" "$n"; then
		ok "$name: SIGHUP to pid $pid: $(grep -F 'reload result=ok source=sighup' "$SB_SERVER_LOG" | tail -n 1 | sed 's/.*result=ok //')"
	else
		bad "$name: no 'reload result=ok source=sighup' (#$n) within 10 s"
		server_log_tail
		return 1
	fi
}

sb_bg "$SB_NS_C" peer1 turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"
sleep 0.5

conf="$SB_DIR/reload.conf"
cat >"$conf" <<EOF
realm=$REALM
server-name=turn.$REALM
min-port=49152
max-port=49999
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
rfc5766-channel-numbers
lt-cred-mech
user=keeper:$KEEPER_PASS
EOF
echo "# reload e2e, workers=$workers net=$SB_PREFIX"
if ! sb_server_start turnpike "$conf" "$workers" "$build"; then
	bad "server start"
	finish
fi
# The file turnpike reads (sandbox.sh adds the addresses to ours).
live_conf="$SB_DIR/turnpike-$((SB_SERVER_SEQ - 1)).conf"
[ -f "$live_conf" ] || { bad "no $live_conf"; finish; }

uclient late-before-reload late "$LATE_PASS" refused

# keeper's allocation is live across the reload: 60 messages 100 ms apart.
KEEPER_MSGS=60
SB_BG_TIMEOUT=90 sb_bg "$SB_NS_C" uclient-keeper turnutils_uclient \
	-L "$SB_CLIENT_IP" -e "$SB_PEER1_IP" -r "$PEER_PORT" -z 100 -c \
	-n "$KEEPER_MSGS" -u keeper -w "$KEEPER_PASS" "$SB_SERVER_IP"
keeper=$SB_BG_PID
live=0
for _ in $(seq 1 50); do
	timeout -k 2 20 "$ADMIN" -s "$SOCK" -t 10 allocations 10 \
		>"$SB_DIR/admin-alloc-keeper.out" 2>&1
	if grep -q '^alloc user=keeper ' "$SB_DIR/admin-alloc-keeper.out"; then
		live=1
		break
	fi
	sleep 0.1
done
if [ "$live" = 1 ]; then
	ok "keeper's allocation is live before the reload"
else
	bad "keeper's allocation never showed up"
	sed 's/^/    /' "$SB_DIR/admin-alloc-keeper.out"
fi

echo "user=late:$LATE_PASS" >>"$live_conf"
hup sighup-add-user 1
if grep -F 'reload result=ok source=sighup' "$SB_SERVER_LOG" | tail -n 1 |
	grep -q ' changed=user not_applied=none '; then
	ok "log: changed=user not_applied=none"
else
	bad "log: the reload did not say changed=user not_applied=none"
fi
# keeper's allocation is still there, and its run still going.
if admin alloc-after-reload 0 allocations 10 &&
	grep -q '^alloc user=keeper ' "$SB_DIR/admin-alloc-after-reload.out" &&
	kill -0 "$keeper" 2>/dev/null; then
	ok "keeper's allocation is live after the reload, its run still going"
else
	bad "keeper's allocation or run gone after the reload"
fi
uclient late-after-reload late "$LATE_PASS" clean
# keeper's run, still going, must finish whole.
krc=0
for _ in $(seq 1 300); do
	kill -0 "$keeper" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$keeper" 2>/dev/null; then
	bad "keeper's uclient still running after 30 s"
	sb_kill "$keeper"
	krc=124
else
	wait "$keeper" || krc=$?
fi
uclient_check keeper-across-reload "$SB_DIR/uclient-keeper.log" "$krc" \
	clean "$KEEPER_MSGS"
# A broken file: the admin reload refuses it, naming the line; nothing
# changes.
echo "user=broken-no-password" >>"$live_conf"
bad_line=$(wc -l <"$live_conf")
admin reload-broken 1 reload
if grep -qF "error config $live_conf:$bad_line: user: " \
	"$SB_DIR/admin-reload-broken.out"; then
	ok "reload-broken: the reply names $(basename "$live_conf"):$bad_line: user"
else
	bad "reload-broken: reply '$(tail -n 1 "$SB_DIR/admin-reload-broken.out")', want 'error config $live_conf:$bad_line: user: ...'"
fi
if grep -qF "reload result=error source=admin reason=\"$live_conf:$bad_line: user: " \
	"$SB_SERVER_LOG"; then
	ok "log: reload result=error with file:line:key"
else
	bad "log: no reload result=error naming $live_conf:$bad_line"
fi
uclient late-after-broken late "$LATE_PASS" clean

# A key that needs a restart: reported, left as it was.
sed -i '$d' "$live_conf" # the broken line goes
sed -i "s/^listening-port=.*/listening-port=3499/" "$live_conf"
admin reload-port 0 reload
if grep -q '^not_applied=listening-port$' "$SB_DIR/admin-reload-port.out" &&
	grep -q '^changed=none$' "$SB_DIR/admin-reload-port.out"; then
	ok "reload-port: not_applied=listening-port, changed=none"
else
	bad "reload-port: $(tr '\n' ' ' <"$SB_DIR/admin-reload-port.out")"
fi
if grep -q 'reload.not_applied key=listening-port' "$SB_SERVER_LOG"; then
	ok "log: reload.not_applied key=listening-port"
else
	bad "log: no reload.not_applied for listening-port"
fi
uclient late-old-port late "$LATE_PASS" clean

# A pushed user survives a reload.
admin user-add 0 user-add pushed "$PUSHED_PASS"
hup sighup-pushed 2
if grep -F 'reload result=ok source=sighup' "$SB_SERVER_LOG" | tail -n 1 |
	grep -q ' pushed_kept=1 '; then
	ok "log: pushed_kept=1"
else
	bad "log: the second SIGHUP reload did not keep 1 pushed credential"
fi
uclient pushed-after-reload pushed "$PUSHED_PASS" clean

if admin stats 0 stats; then
	if grep -q '^reloads.ok=3$' "$SB_DIR/admin-stats.out" &&
		grep -q '^reloads.failed=1$' "$SB_DIR/admin-stats.out"; then
		ok "stats: reloads.ok=3 reloads.failed=1"
	else
		bad "stats: $(grep '^reloads' "$SB_DIR/admin-stats.out" | tr '\n' ' ')"
	fi
fi
if sb_server_alive; then ok "server alive after the reloads"; else bad "server died"; fi

sb_server_stop
if grep -qF -e "$LATE_PASS" -e "$KEEPER_PASS" -e "$PUSHED_PASS" "$SB_SERVER_LOG"; then
	bad "server log: a password appears in it"
else
	ok "server log: no password in it"
fi
finish
