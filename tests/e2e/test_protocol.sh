#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Protocol tests of the server under test with our own client, turn_probe
# (tests/e2e/turn_probe.c), run inside the client namespace of the sandbox
# (see sandbox.sh).  Four server configurations, one probe suite each:
#   main    requests, answers, relaying, malformed input
#   timers  stale-nonce=2, permission-lifetime=3: 438 and expiry
#   quota   user-quota=2
#   total   total-quota=2
# turn_probe is a CMocka program; its per-suite summaries are added up into
# the closing "N passed, N failed" line.
#
# Usage: test_protocol.sh [--server turnpike|coturn] [--workers N] BUILD_DIR
# Environment: E2E_ONLY="main timers quota total" picks suites.
# Exit: 0 all passed, 1 a failure, 77 skipped (not root).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args --servers "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
probe="$build/tests/turn_probe"
if [ ! -x "$probe" ]; then
	echo "FAIL: $probe not built"
	echo "0 passed, 1 failed"
	exit 1
fi
[ "$server" = coturn ] && ! command -v turnserver >/dev/null 2>&1 &&
	{ echo "SKIP: turnserver not found"; exit 77; }


sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=e2e.turnpike.test
MIN_PORT=49152
MAX_PORT=49999
DENIED="$SB_NET.9"

write_config() { # write_config SUITE FILE
	{
		cat <<EOF
realm=$REALM
lt-cred-mech
user=alice:alice-pw-1
user=bob:bob-pw-2
user=carol:carol-pw-3
min-port=$MIN_PORT
max-port=$MAX_PORT
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
denied-peer-ip=$SB_NET.8-$SB_NET.15
EOF
		case "$1" in
		quota) echo "user-quota=2" ;;
		timers) echo "stale-nonce=2"; echo "permission-lifetime=3" ;;
		total) echo "total-quota=2" ;;
		esac
	} >"$2"
}

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last lines:"
	grep -vE '^(EAL|TELEMETRY):' "$SB_SERVER_LOG" | tail -n 30 |
		sed 's/^/    /'
	echo "----"
}

run_suite() { # run_suite SUITE
	local suite=$1 conf="$SB_DIR/$1.conf" log="$SB_DIR/probe-$1.log" rc=0
	write_config "$suite" "$conf"
	if ! sb_server_start "$server" "$conf" "$workers" "$build"; then
		echo "FAIL $suite: server start ($server, $workers workers)"
		fail=$((fail + 1))
		return
	fi
	SB_CMD_TIMEOUT=240 sb_run_c env TP_SUITE="$suite" \
		TP_SERVER="$SB_SERVER_IP" TP_PORT="$SB_TURN_PORT" \
		TP_CLIENT_IP="$SB_CLIENT_IP" TP_PEER1="$SB_PEER1_IP" \
		TP_PEER2="$SB_PEER2_IP" TP_DENIED_PEER="$DENIED" \
		TP_REALM="$REALM" TP_USER1=alice TP_PASS1=alice-pw-1 \
		TP_USER2=bob TP_PASS2=bob-pw-2 TP_USER3=carol TP_PASS3=carol-pw-3 \
		TP_MIN_PORT="$MIN_PORT" TP_MAX_PORT="$MAX_PORT" \
		TP_USER_QUOTA=2 TP_TOTAL_QUOTA=2 TP_STALE_NONCE=2 \
		TP_PERMISSION_LIFETIME=3 TP_SERVER_KIND="$server" "$probe" >"$log" 2>&1 || rc=$?
	cat "$log"
	local p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $suite: turn_probe gave no summary (rc $rc)"
		f=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $suite: turn_probe exited $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if ! sb_server_alive; then
		echo "FAIL $suite: the server died"
		fail=$((fail + 1))
	fi
	[ "$f" -eq 0 ] || server_log_tail
	sb_server_stop
}

echo "# server=$server workers=$workers net=$SB_PREFIX"
for suite in ${E2E_ONLY:-main timers quota total}; do
	run_suite "$suite"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
