#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# IPv6 end to end (issue 9): the sandbox with a unique-local /64 beside its
# IPv4 /24 (sandbox.sh's SB_IPV6), turnpike listening and relaying on both
# families, coturn's turnutils_uclient and turnutils_peer in the client
# namespace.  The client namespace's kernel resolves the server's IPv6
# address through turnpike's own neighbour discovery, and turnpike resolves
# the peers' through the kernel's answers to its solicitations.
#
# Scenarios (each a pass/fail line; a clean one passes when uclient sent
# every message asked for and got each back, "Total lost packets 0"):
#   v6-*       IPv6 client, IPv6 relayed address (-x), IPv6 peer: channels,
#              Send indications, many clients
#   v6c-v4r    IPv6 client, IPv4 relayed address (-X), IPv4 peer
#   v4c-v6r    IPv4 client, IPv6 relayed address (-x), IPv6 peer
#   dual       dual_probe.py: one allocation with ADDITIONAL-ADDRESS-FAMILY,
#              two relayed addresses, both families relaying at once; 443
#              for a peer of a family the allocation has no address of
# With E2E_PMD=af_xdp turnpike runs in AF_XDP mode: the kernel keeps both
# server addresses and speaks neighbour discovery, the XDP program hands the
# fast path only turnpike's UDP (IPv6 included).
# With E2E_TRANSPORT=tcp or tls the clients reach the server over TCP or
# TLS on IPv6 (the kernel keeps the server's addresses, as in
# test_uclient.sh), the relay leg UDP on the fast path.
#
# Usage: test_ipv6.sh [--workers N] BUILD_DIR
# Environment: E2E_MSGS messages per client (30), E2E_TRANSPORT udp, tcp or
# tls, E2E_PMD af_packet (default) or af_xdp.
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

# E2E_PMD=af_xdp: turnpike in AF_XDP mode (sandbox.sh's SB_PMD), the
# kernel keeping both server addresses, answering neighbour discovery and
# resolving the peers for the fast path; one worker (a veth has one queue).
case "${E2E_PMD:-af_packet}" in
af_packet) ;;
af_xdp)
	[ "$workers" = 1 ] ||
		{ echo "SKIP: net_af_xdp makes one queue on a veth: one worker"; exit 77; }
	export SB_PMD=af_xdp ;;
*) echo "E2E_PMD: af_packet or af_xdp" >&2; exit 2 ;;
esac

export SB_IPV6=1
sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=e2e.turnpike.test
USER=alice
PASS=alice-e2e-pw
PEER_PORT=3480
MSGS=${E2E_MSGS:-30}
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
	export SB_SHARE_KERNEL=1
	SB_TURNPIKE_CONF=
	if [ "$TRANSPORT" = tls ]; then
		timeout 30 openssl req -x509 -newkey ec \
			-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj "/CN=turn.e2e.turnpike.test" -keyout "$SB_DIR/tls.key" \
			-out "$SB_DIR/tls.crt" >/dev/null 2>&1 ||
			{ bad "tls: test certificate"; finish; }
		SB_TURNPIKE_CONF=$(printf 'cert=%s\npkey=%s\ntls-listening-port=%s' \
			"$SB_DIR/tls.crt" "$SB_DIR/tls.key" "$TLS_PORT")
	fi
	export SB_TURNPIKE_CONF
fi

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 25 lines:"
	grep -vE '^(EAL|TELEMETRY):|alloc\.end' "$SB_SERVER_LOG" | tail -n 25 |
		sed 's/^/    /'
	# Where a loss happened: every non-zero drop and stream counter.
	if timeout -k 2 20 "$build/tools/turnpike-admin" \
		-s "$SB_DIR/admin.sock" -t 10 stats >"$SB_DIR/fail-stats.out" 2>&1
	then
		echo "---- non-zero drop and stream counters:"
		grep -E '^(dp\.drop\.|stream\.|dp\.stream_|dp\.relay_)[a-z_.]+=[1-9]' \
			"$SB_DIR/fail-stats.out" | tr '\n' ' ' | fold -w 100 |
			sed 's/^/    /'
		echo
	fi
	echo "----"
}

# uclient NAME EXPECTED CLIENT_IP SERVER_IP PEER_IP ARGS...: every one of
# EXPECTED messages sent and echoed, none lost.
uclient() {
	local name=$1 expect=$2 cip=$3 sip=$4 pip=$5
	shift 5
	local log="$SB_DIR/uclient-$name.log" rc=0 t0=$SECONDS tls_check=0
	if [ "$TRANSPORT" = tls ] && e2e_stats_take "$SB_DIR/pre-$name.stats"
	then
		tls_check=1
	fi
	SB_CMD_TIMEOUT=180 sb_run_c turnutils_uclient -L "$cip" -e "$pip" \
		-r "$PEER_PORT" -z 20 -u "$USER" -w "$PASS" \
		${transport_args[@]+"${transport_args[@]}"} "$@" "$sip" \
		>"$log" 2>&1 || rc=$?
	if ! e2e_uclient_summary "$log"; then
		bad "$name: no summary from uclient (rc $rc)"
		grep -iE 'error|fail|wrong|cannot|[0-9]{3}' "$log" | head -n 10 |
			sed 's/^/    /'
		server_log_tail
		return 1
	fi
	if [ "$tls_check" = 1 ] && e2e_tls_shortfall "$name" "$expect" "$t0" \
		"$((expect / MSGS))"
	then
		return 0
	fi
	local sent=$uc_sent recv=$uc_recv lost=$uc_lost
	if [ "$lost" -ne 0 ] || [ "$sent" -ne "$expect" ] ||
		[ "$recv" -ne "$sent" ]; then
		bad "$name: sent $sent (want $expect), received $recv, lost $lost"
		server_log_tail
		return 1
	fi
	ok "$name: $sent sent, $recv echoed, 0 lost ($((SECONDS - t0)) s)"
}

conf="$SB_DIR/v6.conf"
cat >"$conf" <<EOF
realm=$REALM
min-port=49152
max-port=49999
lt-cred-mech
user=$USER:$PASS
rfc5766-channel-numbers
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
allowed-peer-ip=$SB_PEER1_IP6-$SB_PEER2_IP6
EOF

for ip in "$SB_PEER1_IP" "$SB_PEER1_IP6"; do
	sb_bg "$SB_NS_C" "peer-$ip" turnutils_peer -L "$ip" -p "$PEER_PORT"
done
sleep 0.5

echo "# workers=$workers net=$SB_PREFIX $SB_PREFIX6 transport=$TRANSPORT"
if ! sb_server_start turnpike "$conf" "$workers" "$build"; then
	bad "server start ($workers workers)"
	finish
fi

n=$MSGS
c6=$SB_CLIENT_IP6 s6=$SB_SERVER_IP6 p6=$SB_PEER1_IP6
uclient v6-channel "$n" "$c6" "$s6" "$p6" -x -c -n "$n"
uclient v6-send "$n" "$c6" "$s6" "$p6" -x -c -s -n "$n"
# Ten clients at once over UDP.  Over TCP and TLS, many clients at once
# is e2e_uclient_tcp/tls's work (the stream thread does not care which family
# a connection has); here they would only add exposure to the shortfall
# uclient reports over TLS (5 of 300 once in CI, all relayed by the worker):
# uclient reads one TLS record as one message, while turnpike writes what
# one turn gave a connection as one record, so two echoes can arrive as one
# (see e2e_common.sh above e2e_stats_take; e2e_tls_shortfall accepts such a
# run when turnpike's counters show every echo handed on).
if [ "$TRANSPORT" = udp ]; then
	uclient v6-10-clients "$((10 * n))" "$c6" "$s6" "$p6" -x -c -m 10 \
		-n "$n"
	uclient v6-10-clients-send "$((10 * n))" "$c6" "$s6" "$p6" -x -c -s \
		-m 10 -n "$n"
else
	uclient v6-3-clients-send "$((3 * n))" "$c6" "$s6" "$p6" -x -c -s \
		-m 3 -n "$n"
fi
uclient v6c-v4r "$n" "$c6" "$s6" "$SB_PEER1_IP" -X -c -n "$n"
uclient v4c-v6r "$n" "$SB_CLIENT_IP" "$SB_SERVER_IP" "$p6" -x -c -n "$n"
uclient v4c-v6r-send "$n" "$SB_CLIENT_IP" "$SB_SERVER_IP" "$p6" -x -c -s \
	-n "$n"

# Dual allocations, both families relaying at once (always over UDP: the
# probe is a datagram client), from an IPv4 and from an IPv6 client.
dual() { # dual NAME SERVER_IP CLIENT_IP
	local log="$SB_DIR/dual-$1.log" rc=0
	sb_run_c python3 "$here/dual_probe.py" "$2" "$SB_TURN_PORT" "$3" \
		"$USER" "$PASS" "$SB_PEER2_IP" "$SB_PEER2_IP6" 40 \
		>"$log" 2>&1 || rc=$?
	sed 's/^/    /' "$log"
	if [ "$rc" -eq 0 ]; then
		ok "$1: one allocation relaying to both families, one given up"
	else
		bad "$1: dual_probe.py rc $rc"
		server_log_tail
	fi
}
dual dual-v4-client "$SB_SERVER_IP" "$SB_CLIENT_IP"
dual dual-v6-client "$s6" "$c6"

# An echo reply through the neighbour entry the client's kernel learned:
# turnpike's own (dp_nd.c), or in AF_XDP mode the kernel's.
if sb_run_c ping -6 -c 2 -i 0.2 -W 2 "$s6" >/dev/null 2>&1; then
	ok "ping -6 $s6 answered"
else
	bad "ping -6 $s6 not answered"
fi

# The counters: neighbour discovery both ways (the fast path's, or in
# AF_XDP mode the kernel's, learned by the control thread), IPv6 relayed,
# nothing malformed.
if timeout -k 2 20 "$build/tools/turnpike-admin" -s "$SB_DIR/admin.sock" \
	-t 10 stats >"$SB_DIR/stats.out" 2>&1; then
	counter() { sed -n "s/^$1=//p" "$SB_DIR/stats.out"; }
	moved="dp.relay_channel_to_peer dp.relay_peer_to_channel"
	if [ "${SB_PMD:-af_packet}" = af_xdp ]; then
		moved="$moved neigh.resolved"
	else
		moved="$moved dp.nd_advertised dp.nd_solicited dp.nd_learned"
		moved="$moved dp.icmp6_echo_replied"
	fi
	for c in $moved; do
		v=$(counter "$c")
		if [ "${v:-0}" -gt 0 ]; then ok "$c moved ($v)"
		else bad "$c is ${v:-unreadable}"; fi
	done
	for c in drop.bad_icmp6 drop.ipv6_ext_header drop.bad_udp; do
		v=$(counter "dp.$c")
		if [ "${v:-1}" -eq 0 ]; then ok "dp.$c 0"
		else bad "dp.$c is ${v:-unreadable}"; fi
	done
else
	bad "turnpike-admin stats: $(tail -n 1 "$SB_DIR/stats.out")"
fi

if sb_server_alive; then
	ok "server alive after the IPv6 scenarios"
else
	bad "server exited"
	server_log_tail
fi
finish
