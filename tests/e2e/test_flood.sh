#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A spoofed flood of forged requests while real clients allocate, refresh
# and relay (issue 13): tests/e2e/flood.py in the client namespace of the
# sandbox (sandbox.sh) sends issue 13's reproducer (a REST-shaped Allocate
# with a forged nonce and a bad MESSAGE-INTEGRITY) from thousands of
# source addresses over FLOOD_PREFIXES /24s next to the clients' (a raw
# socket, so the sources can be anyone's), as fast as this machine sends,
# at most FLOOD_COUNT datagrams and FLOOD_SECONDS seconds.  Meanwhile
# eight clients that allocated before the flood refresh and relay, and
# eight more allocate, create a permission and relay.
#
# The server has 8 REST secrets, so before issue 13 each forged request
# cost the control thread 8 key derivations (cp-bench --forged: about 13x
# a bare challenge).  The per-prefix limits are set low here
# (request-rate-per-prefix=100, burst 200): a flood this machine can send
# from a few dozen networks is then far over them, as a flood from
# thousands of networks would be over the defaults.
#
# Checks: every real client's every step succeeded (flood.py exits 0);
# the flood was running the whole time; the fast path dropped most of it
# at the per-prefix limit (dp.drop.punt_limited from turnpike-admin stats)
# and the punt ring never overflowed; the server lived.  Prints what the
# real clients saw (success counts, allocate latency before and during).
#
# Usage: test_flood.sh [--workers N] BUILD_DIR
# Environment: FLOOD_COUNT (default 400000), FLOOD_SECONDS (default 8),
# FLOOD_PREFIXES (default 32), FLOOD_REQUEST_RATE (request-rate-per-prefix,
# default 100; 0 shows what the flood does without the limit, and then the
# fast-path check fails by design).
# Exit: 0 all passed, 1 a failure, 77 skipped (not root).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
ADMIN="$build/tools/turnpike-admin"
[ -x "$ADMIN" ] || { echo "FAIL: $ADMIN not built"; echo "0 passed, 1 failed"; exit 1; }

FLOOD_COUNT=${FLOOD_COUNT:-400000}
FLOOD_SECONDS=${FLOOD_SECONDS:-8}
FLOOD_PREFIXES=${FLOOD_PREFIXES:-32}
REALM=e2e.turnpike.test

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }
SOCK="$SB_DIR/admin.sock"

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last lines:"
	grep -vE '^(EAL|TELEMETRY):' "$SB_SERVER_LOG" | tail -n 30 |
		sed 's/^/    /'
	echo "----"
}

# counter FILE NAME: the value of NAME= in a stats dump (0 if absent).
counter() {
	local v
	v=$(sed -n "s/^$2=\([0-9]*\)$/\1/p" "$1" | head -n 1)
	echo "${v:-0}"
}

stats() { # stats FILE
	timeout -k 2 20 "$ADMIN" -s "$SOCK" -t 10 stats >"$1" 2>&1
}

conf="$SB_DIR/flood.conf"
{
	cat <<EOF
realm=$REALM
lt-cred-mech
user=alice:alice-pw-1
use-auth-secret
min-port=49152
max-port=49999
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
request-rate-per-prefix=${FLOOD_REQUEST_RATE:-100}
request-burst-per-prefix=200
challenge-rate-per-prefix=100
challenge-burst-per-prefix=200
EOF
	for i in 1 2 3 4 5 6 7 8; do
		echo "static-auth-secret=flood-secret-$i-$RANDOM$RANDOM"
	done
} >"$conf"

echo "# flood e2e, workers=$workers net=$SB_PREFIX"
if ! sb_server_start turnpike "$conf" "$workers" "$build"; then
	bad "server start"
	finish
fi

stats "$SB_DIR/stats-before.out" || bad "admin stats before the flood"

log="$SB_DIR/flood.log"
rc=0
SB_CMD_TIMEOUT=$((FLOOD_SECONDS + 120)) sb_run_c python3 "$here/flood.py" run \
	"$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" "$SB_PEER1_IP" \
	alice alice-pw-1 "$REALM" "$FLOOD_PREFIXES" "$FLOOD_COUNT" \
	"$FLOOD_SECONDS" >"$log" 2>&1 || rc=$?
sed 's/^/    /' "$log"
if [ "$rc" -eq 0 ]; then
	ok "real clients: every allocate, refresh, permission and relay succeeded under the flood"
else
	bad "real clients under the flood (flood.py exit $rc)"
fi

if ! sb_server_alive; then
	bad "the server died"
	server_log_tail
	finish
fi
ok "the server lived through the flood"

if stats "$SB_DIR/stats-after.out"; then
	s="$SB_DIR/stats-after.out"
	sent=$(sed -n 's/^flood sent=\([0-9]*\) .*/\1/p' "$log")
	rx=$(counter "$s" dp.rx_packets)
	punted=$(counter "$s" dp.punted)
	limited=$(counter "$s" dp.drop.punt_limited)
	ring_full=$(counter "$s" dp.drop.punt_ring_full)
	ch_limited=$(counter "$s" drops.challenge_limited)
	stale=$(counter "$s" auth.nonce_invalid)
	r438=$(counter "$s" replies.438_stale_nonce)
	echo "    server: rx_packets=$rx punted=$punted punt_limited=$limited" \
		"punt_ring_full=$ring_full challenge_limited=$ch_limited" \
		"nonce_invalid=$stale replies_438=$r438 (flood sent ${sent:-?})"
	# Most of the flood stopped at the prefix limit, in the fast path.
	if [ -n "$sent" ] && [ "$limited" -gt 0 ] &&
		[ $((limited * 2)) -gt "$sent" ]; then
		ok "fast path: $limited of $sent forged requests dropped at request-rate-per-prefix"
	else
		bad "fast path: punt_limited=$limited for ${sent:-?} sent (want over half)"
	fi
	# What got through was answered on its nonce (438), cheaply.
	if [ "$stale" -gt 0 ]; then
		ok "control thread: $stale forged requests refused on the nonce"
	else
		bad "control thread: no forged request reached the nonce check"
	fi
	if [ "$ring_full" -eq 0 ]; then
		ok "punt ring never overflowed"
	else
		bad "punt ring overflowed $ring_full times"
	fi
else
	bad "admin stats after the flood"
	sed 's/^/    /' "$SB_DIR/stats-after.out" | tail -n 5
fi

[ "$fail" -eq 0 ] || server_log_tail
finish
