#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of draining (issue 10, item 5; cp_loop_drain()), in two
# runs of turnpike with the metrics port on (loopback of the server
# namespace):
#
#  1. SIGUSR1, with alternate-server set and max-allocate-lifetime short.
#     coturn's uclient relays through turnpike in the background; SIGUSR1
#     is sent mid-run.  Then: the log says drain.start reason=signal; /ready
#     answers 503 "draining" while /live stays 200; /metrics has
#     turnpike_draining 1 and turnpike-admin stats draining=1; the
#     relayed counters still move; turn_probe's drain suite gets the 401
#     challenge and then a signed 300 naming the alternate server; uclient
#     ends with every message echoed; the process exits by itself once its
#     allocation has expired (drain.done, the usage record, a clean stop).
#  2. turnpike-admin drain, without alternate-server.  turn_probe holds an
#     allocation made before the drain and waits; `drain` answers
#     draining=1 started=1, a second one started=0; a new Allocate gets a
#     signed 403 "Server draining"; the held allocation still refreshes,
#     adds a permission, binds its channel and relays; its Refresh with
#     LIFETIME 0 ends it, and the process exits at once.
# Each check is one pass/fail line (as test_uclient.sh); every wait is
# bounded.  See sandbox.sh for the network.
#
# Usage: test_drain.sh [--workers N] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no coturn tools,
# no curl).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
for tool in turnutils_uclient turnutils_peer curl; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found"; exit 77; }
done
ADMIN="$build/tools/turnpike-admin"
PROBE="$build/tests/turn_probe"
for f in "$ADMIN" "$PROBE"; do
	[ -x "$f" ] || { echo "FAIL no $f"; exit 1; }
done

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=e2e.turnpike.test
PEER_PORT=3480
MPORT=9641
# Documentation address (RFC 5737): never reached, only named in the 300.
ALTERNATE=198.51.100.7:3479
LIFETIME=40 # max-allocate-lifetime of run 1: uclient's allocations end by it
MSGS=${E2E_MSGS:-200}
INTERVAL=${E2E_INTERVAL:-100} # ms: uclient sends for about MSGS * INTERVAL
SOCK="$SB_DIR/admin.sock"    # sandbox.sh sets admin-socket there

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 25 lines:"
	grep -vE '^(EAL|TELEMETRY):' "$SB_SERVER_LOG" | tail -n 25 | sed 's/^/    /'
	echo "----"
}

# admin NAME CMD...: turnpike-admin (bounded); reply in admin-NAME.out.
admin() {
	local name=$1
	shift
	timeout -k 2 20 "$ADMIN" -s "$SOCK" -t 10 "$@" \
		>"$SB_DIR/admin-$name.out" 2>&1
}
admin_has() { grep -qx "$2" "$SB_DIR/admin-$1.out"; }
admin_val() { sed -n "s/^$2=//p" "$SB_DIR/admin-$1.out"; }

# http NAME PATH: the status code on stdout, the body in http-NAME.body.
http() {
	sb_run_s curl -s -m 5 -o "$SB_DIR/http-$1.body" -w '%{http_code}' \
		"http://127.0.0.1:$MPORT/$2" 2>/dev/null
}

# wait_log PATTERN SECONDS: until the server log has PATTERN.
wait_log() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		grep -q "$1" "$SB_SERVER_LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_exit SECONDS: until the server process has ended by itself.
wait_exit() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		sb_server_alive || return 0
		sleep 0.1
	done
	return 1
}

# The turnpike process itself: sb_bg's PID is timeout(1)'s, which passes
# SIGTERM on but would die of SIGUSR1 itself.
server_main_pid() {
	local pid
	pid=$(pgrep -P "$SB_SERVER_PID" 2>/dev/null | head -n 1)
	[ -n "$pid" ] && echo "$pid"
}

relayed_to_peer() { # FILE: the fast path's total toward peers
	awk -F= '$1 == "dp.relay_channel_to_peer" || $1 == "dp.relay_send_to_peer" \
		{ n += $2 } END { print n + 0 }' "$1"
}

# probe NAME [ENV=VALUE...]: turn_probe's drain suite in the client
# namespace, in the background; its log is probe-NAME.log.
probe_bg() {
	local name=$1
	shift
	SB_BG_TIMEOUT=120 sb_bg "$SB_NS_C" "probe-$name" env TP_SUITE=drain \
		TP_SERVER="$SB_SERVER_IP" TP_PORT="$SB_TURN_PORT" \
		TP_CLIENT_IP="$SB_CLIENT_IP" TP_PEER1="$SB_PEER1_IP" \
		TP_PEER2="$SB_PEER2_IP" TP_DENIED_PEER="$SB_NET.9" \
		TP_REALM="$REALM" TP_USER1=alice TP_PASS1=alice-pw-1 \
		TP_USER2=bob TP_PASS2=bob-pw-2 TP_USER3=carol TP_PASS3=carol-pw-3 \
		"$@" "$PROBE"
}
# probe_wait NAME PID: the probe's verdict as one result line.
probe_wait() {
	local name=$1 pid=$2 rc=0 log="$SB_DIR/probe-$1.log"
	wait "$pid" || rc=$?
	if [ "$rc" -eq 0 ] && grep -q '^\[  PASSED  \] 1 test' "$log"; then
		ok "$name: turn_probe drain suite passed"
	else
		bad "$name: turn_probe drain suite (rc $rc)"
		sed 's/^/    /' "$log" | tail -n 15
		server_log_tail
	fi
}

write_config() { # write_config FILE [EXTRA_LINE...]
	local out=$1
	shift
	{
		cat <<EOF
realm=$REALM
lt-cred-mech
user=alice:alice-pw-1
user=bob:bob-pw-2
user=carol:carol-pw-3
min-port=49152
max-port=49999
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
rfc5766-channel-numbers
prometheus
prometheus-address=127.0.0.1
prometheus-port=$MPORT
EOF
		printf '%s\n' "$@"
	} >"$out"
}

echo "# drain e2e, workers=$workers net=$SB_PREFIX"
sb_bg "$SB_NS_C" peer turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"
sleep 0.5

# ---- run 1: SIGUSR1, alternate-server --------------------------------------
write_config "$SB_DIR/drain-signal.conf" "alternate-server=$ALTERNATE" \
	"max-allocate-lifetime=$LIFETIME" "drain-min-allocations=0"
if ! sb_server_start turnpike "$SB_DIR/drain-signal.conf" "$workers" "$build"; then
	bad "run 1: server start"
	finish
fi
for path in live ready; do
	code=$(http "before-$path" "$path")
	if [ "$code" = 200 ]; then ok "run 1: /$path before the drain: 200"; else bad "run 1: /$path before the drain: $code"; fi
done

SB_BG_TIMEOUT=120 sb_bg "$SB_NS_C" uclient turnutils_uclient \
	-L "$SB_CLIENT_IP" -e "$SB_PEER1_IP" -r "$PEER_PORT" -z "$INTERVAL" \
	-c -n "$MSGS" -u alice -w alice-pw-1 "$SB_SERVER_IP"
uclient_pid=$SB_BG_PID
# Its allocations (uclient makes two) live and relay before the drain.
live=0
t0=$SECONDS
for _ in $(seq 1 100); do
	[ $((SECONDS - t0)) -lt 20 ] || break
	admin pre stats && [ "$(admin_val pre allocations_live)" -ge 1 ] &&
		[ "$(relayed_to_peer "$SB_DIR/admin-pre.out")" -gt 0 ] &&
		{ live=1; break; }
	sleep 0.2
done
if [ "$live" = 1 ]; then
	ok "run 1: uclient relays ($(admin_val pre allocations_live) allocations)"
else
	bad "run 1: uclient's allocation not seen relaying"
fi

main_pid=$(server_main_pid) || main_pid=
if [ -n "$main_pid" ] && kill -USR1 "$main_pid"; then
	ok "run 1: SIGUSR1 sent to turnpike (pid $main_pid)"
else
	bad "run 1: no turnpike process under $SB_SERVER_PID to signal"
fi
if wait_log 'drain.start reason=signal allocations=[1-9]' 5; then
	ok "run 1: log: drain.start reason=signal, allocations live"
else
	bad "run 1: no drain.start reason=signal in the log"
	server_log_tail
fi
sleep 0.5 # the snapshot the metrics port reads is at most 250 ms old
code=$(http ready ready)
if [ "$code" = 503 ] && grep -qx draining "$SB_DIR/http-ready.body"; then
	ok "run 1: /ready while draining: 503 draining"
else
	bad "run 1: /ready while draining: $code $(head -c 40 "$SB_DIR/http-ready.body" 2>/dev/null)"
fi
code=$(http live live)
if [ "$code" = 200 ]; then ok "run 1: /live while draining: 200"; else bad "run 1: /live while draining: $code"; fi
code=$(http metrics metrics)
if [ "$code" = 200 ] && grep -qx 'turnpike_draining 1' "$SB_DIR/http-metrics.body"; then
	ok "run 1: /metrics: turnpike_draining 1"
else
	bad "run 1: /metrics ($code): $(grep '^turnpike_draining' "$SB_DIR/http-metrics.body" 2>/dev/null)"
fi
# The live allocation goes on: the counters toward peers still move.
admin during1 stats
sleep 1
admin during2 stats
a=$(relayed_to_peer "$SB_DIR/admin-during1.out")
b=$(relayed_to_peer "$SB_DIR/admin-during2.out")
if admin_has during2 draining=1 && [ "$b" -gt "$a" ]; then
	ok "run 1: stats draining=1, relayed to peers $a -> $b while draining"
else
	bad "run 1: stats draining=$(admin_val during2 draining), relayed to peers $a -> $b"
fi

probe_bg signal TP_ALTERNATE="$ALTERNATE"
probe_wait signal "$SB_BG_PID"
if sb_server_alive; then
	ok "run 1: the server lives on while an allocation does"
else
	bad "run 1: the server exited with an allocation live"
fi

rc=0
wait "$uclient_pid" || rc=$?
log="$SB_DIR/uclient.log"
sent=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=.*/\1/p' "$log" | tail -n 1)
recv=$(sed -n 's/.*start_mclient: tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\)$/\1/p' "$log" | tail -n 1)
lost=$(sed -n 's/.*Total lost packets \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
if [ -n "$sent" ] && [ "$sent" = "$MSGS" ] && [ "$recv" = "$sent" ] && [ "$lost" = 0 ]; then
	ok "run 1: uclient across the drain: $sent sent, $recv echoed, 0 lost"
else
	bad "run 1: uclient: sent ${sent:-?} (want $MSGS), received ${recv:-?}, lost ${lost:-?} (rc $rc)"
	grep -iE 'error|fail|wrong|cannot|30[0-9]|40[0-9]' "$log" | head -n 8 | sed 's/^/    /'
fi

# Its allocation ends at its lifetime at the latest; then the process goes.
if wait_exit $((LIFETIME + 20)); then
	ok "run 1: turnpike exited by itself"
else
	bad "run 1: turnpike still running $((LIFETIME + 20)) s after the drain"
	server_log_tail
fi
for want in 'drain.done allocations=0 min_allocations=0' 'alloc.end user=alice' \
	'stop clean=1'; do
	if grep -q "$want" "$SB_SERVER_LOG"; then ok "run 1: log: $want"; else bad "run 1: log lacks $want"; fi
done
sb_server_stop

# ---- run 2: turnpike-admin drain, no alternate-server -----------------------
write_config "$SB_DIR/drain-admin.conf"
if ! sb_server_start turnpike "$SB_DIR/drain-admin.conf" "$workers" "$build"; then
	bad "run 2: server start"
	finish
fi
flag="$SB_DIR/drained.flag"
probe_bg admin TP_DRAIN_FLAG="$flag"
probe_pid=$SB_BG_PID
held=0
for _ in $(seq 1 100); do
	grep -q 'holder allocated' "$SB_DIR/probe-admin.log" 2>/dev/null && { held=1; break; }
	kill -0 "$probe_pid" 2>/dev/null || break
	sleep 0.1
done
if [ "$held" = 1 ]; then ok "run 2: turn_probe holds a relaying allocation"; else bad "run 2: turn_probe did not allocate"; fi
if admin drain1 drain && admin_has drain1 draining=1 && admin_has drain1 started=1 &&
	admin_has drain1 allocations_live=1; then
	ok "run 2: admin drain: draining=1 started=1 allocations_live=1"
else
	bad "run 2: admin drain: $(tr '\n' ' ' <"$SB_DIR/admin-drain1.out")"
fi
if admin drain2 drain && admin_has drain2 started=0 && admin_has drain2 ok; then
	ok "run 2: a second admin drain is harmless (started=0)"
else
	bad "run 2: second admin drain: $(tr '\n' ' ' <"$SB_DIR/admin-drain2.out")"
fi
sleep 0.5
code=$(http ready2 ready)
if [ "$code" = 503 ]; then ok "run 2: /ready: 503"; else bad "run 2: /ready: $code"; fi
touch "$flag"
probe_wait admin "$probe_pid"
if wait_exit 10; then
	ok "run 2: turnpike exited by itself after the last Refresh(0)"
else
	bad "run 2: turnpike still running 10 s after its last allocation ended"
	server_log_tail
fi
for want in 'drain.start reason=admin allocations=1' 'drain.repeat reason=admin' \
	'drain.done allocations=0' 'alloc.end user=alice' 'stop clean=1'; do
	if grep -q "$want" "$SB_SERVER_LOG"; then ok "run 2: log: $want"; else bad "run 2: log lacks $want"; fi
done
finish
