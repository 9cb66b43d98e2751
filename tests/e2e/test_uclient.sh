#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test against coturn's own client: turnutils_uclient allocates
# through the server under test and sends to turnutils_peer, which echoes
# back through the relay.  The server runs in a network namespace (turnpike
# on af_packet over a veth, or coturn's turnserver for harness work), the
# client and the peer in another; see sandbox.sh.
#
# Each scenario is one pass/fail line.  A clean scenario passes when
# uclient's summary shows every message it was asked to send sent and
# received back ("Total lost packets 0", tot_recv_msgs = tot_send_msgs =
# the count asked for).  The negative-protocol scenario (-R: uclient
# corrupts about one message in ten before sending) passes when the server
# survives it and a clean run right after still loses nothing.
# Over TLS, a shortfall uclient reports is accepted only when turnpike's own
# counters show every echo relayed back and none dropped by its stream
# thread: uclient reads one TLS record as one message, and turnpike may put
# two echoes for one client in one record (e2e_common.sh).
#
# With E2E_TRANSPORT=tcp or tls the clients reach the server over TCP or
# TLS (uclient -t, -t -S) while the relay leg to the peers stays UDP: the
# firewall-bound client's case (RFC 8656 sections 3.1 and 12.5).  The
# server's veth then keeps its address in the kernel (SB_SHARE_KERNEL), and
# TLS uses a certificate made here.
#
# With E2E_PMD=af_xdp turnpike runs in AF_XDP mode (sandbox.sh's SB_PMD):
# the kernel keeps the server address throughout and resolves the peers'
# MACs for the fast path; one worker (a veth has one combined queue).
#
# Usage: test_uclient.sh [--server turnpike|coturn] [--workers N] BUILD_DIR
# Environment: E2E_ONLY="lt rest oauth" picks server configurations,
# E2E_MSGS messages per client (50), E2E_INTERVAL ms between them (20),
# E2E_TRANSPORT udp (default), tcp or tls, E2E_PMD af_packet (default) or
# af_xdp.
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no coturn tools,
# AF_XDP mode with more than one worker).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args --servers "$@"
if [ "$server" = turnpike ] && [ -z "$build" ]; then
	echo "$E2E_USAGE" >&2
	exit 2
fi

sb_require_root
for tool in turnutils_uclient turnutils_peer; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found (Debian package coturn)"; exit 77; }
done
[ "$server" = coturn ] && ! command -v turnserver >/dev/null 2>&1 &&
	{ echo "SKIP: turnserver not found"; exit 77; }
PMD=${E2E_PMD:-af_packet}
case "$PMD" in
af_packet) ;;
af_xdp)
	[ "$server" = turnpike ] ||
		{ echo "SKIP: AF_XDP mode is turnpike's"; exit 77; }
	[ "$workers" = 1 ] ||
		{ echo "SKIP: net_af_xdp makes one queue on a veth: one worker"; exit 77; }
	export SB_PMD=af_xdp ;;
*) echo "E2E_PMD: af_packet or af_xdp" >&2; exit 2 ;;
esac

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=e2e.turnpike.test
SERVER_NAME=turn.e2e.turnpike.test
USER=alice
PASS=alice-e2e-pw
SECRET=e2e-shared-secret
PEER_PORT=3480
MSGS=${E2E_MSGS:-50}      # per client
INTERVAL=${E2E_INTERVAL:-20}  # ms between a client's messages
TRANSPORT=${E2E_TRANSPORT:-udp}
TLS_PORT=5349
transport_args=()
case "$TRANSPORT" in
udp) ;;
tcp) transport_args=(-t) ;;
tls) transport_args=(-t -S -p "$TLS_PORT") ;;
*) echo "E2E_TRANSPORT: udp, tcp or tls" >&2; exit 2 ;;
esac
if [ "$TRANSPORT" != udp ]; then
	[ "$server" = turnpike ] ||
		{ echo "SKIP: streams are tested against turnpike only"; exit 77; }
	export SB_SHARE_KERNEL=1
	SB_TURNPIKE_CONF=
	if [ "$TRANSPORT" = tls ]; then
		timeout 30 openssl req -x509 -newkey ec \
			-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj "/CN=$SB_SERVER_IP" -keyout "$SB_DIR/tls.key" \
			-out "$SB_DIR/tls.crt" >/dev/null 2>&1 ||
			{ bad "tls: test certificate"; finish; }
		SB_TURNPIKE_CONF=$(printf 'cert=%s\npkey=%s\ntls-listening-port=%s' \
			"$SB_DIR/tls.crt" "$SB_DIR/tls.key" "$TLS_PORT")
	fi
	export SB_TURNPIKE_CONF
fi

# coturn's built-in uclient test keys (-J picks one of the three at random
# per Allocate): kid, the AES key coturn actually uses (the first 16 or 32
# bytes of its base64 ikm value, which carries a trailing newline), alg.
oauth_key_lines() {
	local k32 k16
	k32=$(printf %s 01234567890123456789012345678901 | base64 -w0)
	k16=$(printf %s 1234567890123456 | base64 -w0)
	echo "oauth-key=north:$k32:A256GCM"
	echo "oauth-key=union:$k16:A128GCM"
	echo "oauth-key=oldempire:$(printf %s 12345678901234567890123456789012 |
		base64 -w0):A256GCM"
}

common_config() {
	cat <<EOF
realm=$REALM
server-name=$SERVER_NAME
min-port=49152
max-port=49999
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
EOF
	# uclient picks channel numbers in RFC 5766's 0x4000-0x7FFF.
	echo rfc5766-channel-numbers
}

write_config() { # write_config lt|rest|oauth FILE
	{
		common_config
		case "$1" in
		lt) echo lt-cred-mech; echo "user=$USER:$PASS" ;;
		rest) echo use-auth-secret; echo "static-auth-secret=$SECRET" ;;
		oauth) echo lt-cred-mech; echo "user=$USER:$PASS"; echo oauth
		       oauth_key_lines ;;
		esac
	} >"$2"
}

start_server() { # start_server lt|rest|oauth
	local conf="$SB_DIR/$1.conf"
	write_config "$1" "$conf"
	if ! sb_server_start "$server" "$conf" "$workers" "$build"; then
		bad "$1: server start ($server, $workers workers)"
		return 1
	fi
	return 0
}

# Print the server's last lines (and stats) after a failure.
server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 25 lines:"
	grep -vE '^(EAL|TELEMETRY):' "$SB_SERVER_LOG" | tail -n 25 |
		sed 's/^/    /'
	echo "----"
}

# uclient NAME MODE EXPECTED_SENT ARGS...: MODE clean (zero loss, all of
# EXPECTED_SENT sent and received), refused (uclient must fail to allocate:
# non-zero exit, nothing echoed), or fuzz
# (bounded to 40 s and may hang: uclient waits for ever for the answer to
# a request it corrupted, so only the server's health afterwards counts).
uclient() {
	local name=$1 mode=$2 expect=$3
	shift 3
	local log="$SB_DIR/uclient-$name.log" rc=0
	local t0=$SECONDS limit=180 tls_check=0
	[ "$mode" = fuzz ] && limit=40
	if [ "$TRANSPORT" = tls ] && [ "$server" = turnpike ] &&
		[ "$mode" = clean ] && e2e_stats_take "$SB_DIR/pre-$name.stats"; then
		tls_check=1
	fi
	SB_CMD_TIMEOUT=$limit sb_run_c turnutils_uclient -L "$SB_CLIENT_IP" \
		-e "$SB_PEER1_IP" -r "$PEER_PORT" -z "$INTERVAL" \
		${transport_args[@]+"${transport_args[@]}"} "$@" \
		"$SB_SERVER_IP" >"$log" 2>&1 || rc=$?
	if [ "$mode" = fuzz ]; then
		ok "$name: uclient ran (rc $rc, $((SECONDS - t0)) s)"
		return 0
	fi
	case $rc in
	124|125|126|127|137)
		bad "$name: uclient timed out or could not run (rc $rc)"
		tail -n 15 "$log" | sed 's/^/    /'
		server_log_tail
		return 1 ;;
	esac
	if [ "$mode" = refused ]; then
		if [ "$rc" -ne 0 ] && ! grep -q 'tot_recv_msgs=[1-9]' "$log"; then
			ok "$name: refused (uclient rc $rc, nothing relayed)"
			return 0
		fi
		bad "$name: not refused (uclient rc $rc)"
		grep 'tot_recv_msgs' "$log" | tail -n 2 | sed 's/^/    /'
		server_log_tail
		return 1
	fi

	if ! e2e_uclient_summary "$log"; then
		bad "$name: no summary from uclient (rc $rc)"
		grep -iE 'error|fail|wrong|cannot|[0-9]{3}' "$log" | head -n 10 | sed 's/^/    /'
		server_log_tail
		return 1
	fi
	if [ "$tls_check" = 1 ] && e2e_tls_shortfall "$name" "$expect" "$t0" \
		"$((expect / MSGS))"
	then
		return 0
	fi
	local sent=$uc_sent recv=$uc_recv lost=$uc_lost
	if [ "$lost" -ne 0 ] || [ "$recv" -eq 0 ] || [ "$sent" -ne "$expect" ] ||
		[ "$recv" -ne "$sent" ]; then
		bad "$name: sent $sent (want $expect), received $recv, lost $lost"
		grep -iE 'error|fail|wrong|cannot' "$log" | head -n 10 | sed 's/^/    /'
		server_log_tail
		return 1
	fi
	ok "$name: $sent sent, $recv echoed, 0 lost ($((SECONDS - t0)) s)"
}

expect_in_log() { # expect_in_log NAME PATTERN: in uclient-NAME.log
	if grep -q "$2" "$SB_DIR/uclient-$1.log"; then
		ok "$1: uclient saw '$2'"
	else
		bad "$1: uclient never saw '$2'"
		tail -n 5 "$SB_DIR/uclient-$1.log" | sed 's/^/    /'
	fi
}

server_alive() { # server_alive NAME
	if sb_server_alive && sb_wait_udp "$SB_NS_C" "$SB_SERVER_IP" \
		"$SB_TURN_PORT" 5; then
		ok "$1: server still answers a Binding"
	else
		bad "$1: server gone or not answering"
		server_log_tail
	fi
}

sb_bg "$SB_NS_C" peer1 turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"
sb_bg "$SB_NS_C" peer1rtcp turnutils_peer -L "$SB_PEER1_IP" -p "$((PEER_PORT + 1))"
sleep 0.5

echo "# server=$server workers=$workers net=$SB_PREFIX transport=$TRANSPORT pmd=$PMD"
n=$MSGS
want() { case " ${E2E_ONLY:-lt rest oauth} " in *" $1 "*) return 0 ;; esac; return 1; }
# ---- long-term credentials
if want lt && start_server lt; then
	uclient lt-channel clean "$n" -c -n "$n" -u "$USER" -w "$PASS"
	uclient lt-send clean "$n" -c -s -n "$n" -u "$USER" -w "$PASS"
	# uclient's default: an RTP allocation with EVEN-PORT (R = 1) and an
	# RTCP one from its RESERVATION-TOKEN.  turnpike keeps no reservations
	# (port + 1 may belong to another worker) and answers 508, which
	# RFC 8656 section 7.2 allows; coturn relays both.
	if [ "$server" = turnpike ]; then
		uclient lt-even-port-reserve-508 refused 0 -n 5 \
			-u "$USER" -w "$PASS" &&
			expect_in_log lt-even-port-reserve-508 '508'
	else
		uclient lt-rtp-rtcp-pair clean "$((2 * n))" -n "$n" \
			-u "$USER" -w "$PASS"
	fi
	uclient lt-10-clients clean "$((10 * n))" -c -m 10 -n "$n" \
		-u "$USER" -w "$PASS"
	uclient lt-10-clients-send clean "$((10 * n))" -c -s -m 10 -n "$n" \
		-u "$USER" -w "$PASS"
	uclient lt-wrong-password refused 0 -c -n 5 -u "$USER" -w wrong
	# Negative protocol tests: random bytes of ~10% of messages corrupted.
	uclient negative-protocol fuzz 0 -c -R -m 5 -n "$n" \
		-u "$USER" -w "$PASS"
	server_alive negative-protocol
	uclient after-negative clean "$n" -c -n "$n" -u "$USER" -w "$PASS"
	sb_server_stop
fi

# ---- TURN REST API (shared secret)
if want rest && start_server rest; then
	uclient rest-channel clean "$n" -c -n "$n" -u restuser -W "$SECRET"
	uclient rest-send clean "$n" -c -s -n "$n" -u restuser -W "$SECRET"
	uclient rest-wrong-secret refused 0 -c -n 5 -u restuser -W not-the-secret
	sb_server_stop
fi

# ---- OAuth (RFC 7635) with uclient's built-in test keys
if want oauth && start_server oauth; then
	# No -u/-w: without THIRD-PARTY-AUTHORIZATION in the 401 uclient
	# would have no credentials to fall back on.
	uclient oauth-channel clean "$n" -c -J -n "$n"
	uclient oauth-send clean "$n" -c -s -J -n "$n"
	uclient oauth-5-clients clean "$((5 * n))" -c -J -m 5 -n "$n"
	sb_server_stop
fi

if [ "$server" = turnpike ]; then
	echo "# turnpike usage records and counters seen:"
	grep -hE 'alloc\.end|stats ' "$SB_DIR"/server-*.log 2>/dev/null |
		tail -n 6 | sed 's/^/#   /'
fi
finish
