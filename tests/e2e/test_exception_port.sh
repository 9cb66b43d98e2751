#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of exception-port mode (issue 8, item 2, second half):
# turnpike on a PMD that takes the NIC from the kernel gives the kernel
# the same view through an exception port it makes itself.
#
# The "NIC" is the server namespace's veth, run by DPDK's net_af_packet.
# af_packet does not take an interface from the kernel, so the test takes
# it: the veth has no address, and an nftables ingress chain drops every
# frame before the kernel's stack sees it (af_packet's tap runs before
# the ingress hook, so turnpike still gets them all).  Then the only way into the
# kernel is turnpike's exception port: a TAP, named by the configuration's
# exception-interface and made by turnpike with nothing else on its
# command line, with the veth's MAC and the server's address.  First, a
# name the kernel already has stops the server with a message.  Then, from
# the client namespace, all in one run:
#   - the TAP exists, up, with the NIC's MAC and the server address /24;
#   - ping of the server address is answered (by the kernel, through it);
#   - a STUN Binding to the listening port is answered (by turnpike);
#   - a plain TCP service of the host (python's http.server) answers;
#   - coturn's turnutils_uclient over TCP to turnpike's TCP listener (the
#     kernel's stack, through the TAP) relays a few hundred messages to
#     turnutils_peer with zero loss;
#   - turnutils_uclient over UDP with channels, zero loss, relayed by the
#     fast path;
#   - the counters agree: the workers relayed ChannelData, wrote frames to
#     the kernel (to_kernel) and sent the kernel's (from_kernel), lost none
#     (xport_full 0), answered and asked no ARP themselves (the kernel
#     does), and the peer's MAC came from the kernel (neigh.resolved);
#   - when turnpike stops, the TAP is gone.
#
# No virtio-user: this machine has no /dev/vhost-net, which virtio-user's
# vhost-kernel backend needs; net_tap needs only /dev/net/tun.
#
# Usage: test_exception_port.sh [--workers N] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no nft, no TUN
# device, no ping or coturn's client tools).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
BIN="$build/tools/turnpike"
ADMIN="$build/tools/turnpike-admin"
if [ ! -x "$BIN" ] || [ ! -x "$ADMIN" ]; then
	echo "FAIL no $BIN or $ADMIN"
	exit 1
fi
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun (net_tap needs it)"; exit 77; }
for tool in nft ping turnutils_uclient turnutils_peer; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found (nftables, iputils-ping, coturn)"; exit 77; }
done

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

XDEV=tpx0
TCP_PORT=8080
MIN_PORT=49152
MAX_PORT=65535
USER=alice
PASS=alice-e2e-pw
PEER_PORT=3480
MSGS=50

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 20 lines:"
	tail -n 20 "$SB_SERVER_LOG" | sed 's/^/    /'
	echo "----"
}
stats() {
	timeout -k 2 20 "$ADMIN" -s "$SB_DIR/admin.sock" -t 10 stats \
		>"$SB_DIR/stats.out" 2>&1
}
counter() { sed -n "s/^$1=//p" "$SB_DIR/stats.out"; }

# The NIC, taken from the kernel: no address, and nothing reaches its
# stack: an nftables netdev ingress chain drops every frame, after
# af_packet's tap has seen it (taps run before the ingress hook).
timeout 10 ip -n "$SB_NS_S" addr flush dev "$SB_DEV_S" ||
	{ bad "flush $SB_DEV_S"; finish; }
timeout 10 ip netns exec "$SB_NS_S" nft -f - <<EOF || { bad "nft ingress drop on $SB_DEV_S"; finish; }
table netdev tpk_nic {
	chain ingress {
		type filter hook ingress device $SB_DEV_S priority 0; policy drop;
	}
}
EOF
sb_run_s sysctl -qw "net.ipv4.ip_local_reserved_ports=$MIN_PORT-$MAX_PORT" ||
	{ bad "reserve the relay range from the kernel's ephemeral ports"; finish; }
nic_mac=$(ip -n "$SB_NS_S" -br link show dev "$SB_DEV_S" | awk '{print $3}')

conf="$SB_DIR/turnpike.conf"
cat >"$conf" <<EOF
realm=e2e.turnpike.test
lt-cred-mech
user=$USER:$PASS
rfc5766-channel-numbers
allowed-peer-ip=$SB_PEER1_IP-$SB_NET.40
listening-ip=$SB_SERVER_IP
relay-ip=$SB_SERVER_IP
listening-port=$SB_TURN_PORT
min-port=$MIN_PORT
max-port=$MAX_PORT
local-network=$SB_PREFIX
exception-interface=$XDEV
admin-socket=$SB_DIR/admin.sock
EOF
if "$BIN" --check-config "$conf" | grep -qx "exception-interface=$XDEV"; then
	ok "--check-config shows exception-interface=$XDEV"
else
	bad "--check-config shows exception-interface=$XDEV"
fi

# A name the kernel already has (a TUN device of that name): the server
# stops at start-up and says why.
timeout 10 ip -n "$SB_NS_S" tuntap add tpxtaken mode tun ||
	{ bad "tuntap add tpxtaken"; finish; }
sed "s/^exception-interface=.*/exception-interface=tpxtaken/" "$conf" >"$SB_DIR/taken.conf"
SB_DPDK_PREFIXES+=("${SB_ID}-taken")
rc=0
SB_CMD_TIMEOUT=60 sb_run_s "$BIN" --lcores "$(_sb_lcores "$workers")" --no-huge \
	-m 1024 --no-pci --file-prefix "${SB_ID}-taken" \
	--vdev "net_af_packet0,iface=$SB_DEV_S,qpairs=$workers" \
	-- -c "$SB_DIR/taken.conf" >"$SB_DIR/taken.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q 'turnpike: exception port: cannot create net_tap_tpxtaken' \
	"$SB_DIR/taken.log"; then
	ok "a taken interface name stops the server: $(grep -o 'exception port: cannot create [^(]*' "$SB_DIR/taken.log")"
else
	bad "a taken interface name stops the server (rc $rc)"
	tail -n 5 "$SB_DIR/taken.log" | sed 's/^/    /'
fi

prefix="${SB_ID}-server"
SB_DPDK_PREFIXES+=("$prefix")
SB_SERVER_LOG="$SB_DIR/server.log"
sb_bg "$SB_NS_S" server "$BIN" --lcores "$(_sb_lcores "$workers")" --no-huge \
	-m 1024 --no-pci --file-prefix "$prefix" \
	--vdev "net_af_packet0,iface=$SB_DEV_S,qpairs=$workers" \
	-- -c "$conf" --stats-interval 1 --idle-sleep-us 50
SB_SERVER_PID=$SB_BG_PID

for _ in $(seq 1 100); do
	grep -q ' xport iface=' "$SB_SERVER_LOG" && break
	sb_server_alive || break
	sleep 0.2
done
if grep -q " xport iface=$XDEV .*driver=net_tap queues=$workers .*addresses=$SB_SERVER_IP/24 " \
	"$SB_SERVER_LOG"; then
	ok "turnpike made its exception port ($(grep -o ' xport iface=.*' "$SB_SERVER_LOG" | head -n 1))"
else
	bad "turnpike made its exception port"
	server_log_tail
	finish
fi
link=$(ip -n "$SB_NS_S" -br link show dev "$XDEV" 2>/dev/null)
case "$link" in
*" UP "*"$nic_mac "*|*" UNKNOWN "*"$nic_mac "*) ok "$XDEV up with the NIC's MAC ($link)" ;;
*) bad "$XDEV up with the NIC's MAC $nic_mac: '$link'" ;;
esac
if ip -n "$SB_NS_S" -4 -br addr show dev "$XDEV" | grep -q "$SB_SERVER_IP/24"; then
	ok "$XDEV has $SB_SERVER_IP/24"
else
	bad "$XDEV has $SB_SERVER_IP/24: $(ip -n "$SB_NS_S" -4 -br addr show dev "$XDEV")"
fi

if sb_wait_udp "$SB_NS_C" "$SB_SERVER_IP" "$SB_TURN_PORT" 20; then
	ok "STUN Binding to $SB_SERVER_IP:$SB_TURN_PORT answered by turnpike"
else
	bad "STUN Binding to $SB_SERVER_IP:$SB_TURN_PORT answered by turnpike"
	server_log_tail
fi

if sb_run_c ping -c 3 -i 0.2 -W 2 "$SB_SERVER_IP" >"$SB_DIR/ping.log" 2>&1; then
	ok "ping $SB_SERVER_IP answered by the kernel through $XDEV"
else
	bad "ping $SB_SERVER_IP"; tail -3 "$SB_DIR/ping.log"
fi

# A plain TCP service of the host, on the address the TAP carries.
sb_bg "$SB_NS_S" http python3 -m http.server --bind "$SB_SERVER_IP" "$TCP_PORT"
if sb_run_c python3 -c '
import sys, time, urllib.request
for _ in range(20):
    try:
        r = urllib.request.urlopen("http://%s:%s/" % (sys.argv[1], sys.argv[2]), timeout=2)
        sys.exit(0 if r.status == 200 else 1)
    except OSError:
        time.sleep(0.25)
sys.exit(1)
' "$SB_SERVER_IP" "$TCP_PORT" >"$SB_DIR/tcp.log" 2>&1; then
	ok "TCP to the host's listener on $SB_SERVER_IP:$TCP_PORT"
else
	bad "TCP to the host's listener on $SB_SERVER_IP:$TCP_PORT"
fi

# uclient NAME EXPECTED ARGS...: coturn's client through turnpike to
# turnutils_peer: every message sent echoed, none lost.
uclient() {
	local name=$1 expect=$2 log="$SB_DIR/uclient-$1.log" rc=0 sent recv lost
	shift 2
	SB_CMD_TIMEOUT=180 sb_run_c turnutils_uclient -L "$SB_CLIENT_IP" \
		-e "$SB_PEER1_IP" -r "$PEER_PORT" -z 20 -u "$USER" -w "$PASS" \
		"$@" "$SB_SERVER_IP" >"$log" 2>&1 || rc=$?
	sent=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=.*/\1/p' "$log" | tail -n 1)
	recv=$(sed -n 's/.*start_mclient: tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\)$/\1/p' "$log" | tail -n 1)
	lost=$(sed -n 's/.*Total lost packets \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	if [ "${sent:-x}" = "$expect" ] && [ "${recv:-x}" = "$expect" ] &&
		[ "${lost:-x}" = 0 ]; then
		ok "uclient $name: $sent sent, $recv echoed, 0 lost"
	else
		bad "uclient $name: sent ${sent:-?} (want $expect), received ${recv:-?}, lost ${lost:-?} (rc $rc)"
		grep -iE 'error|fail|wrong|cannot' "$log" | head -n 5 | sed 's/^/    /'
		server_log_tail
	fi
}

sb_bg "$SB_NS_C" peer turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"
sleep 0.5
stats || bad "turnpike-admin stats: $(tail -n 1 "$SB_DIR/stats.out")"
relayed0=$(counter dp.relay_channel_to_peer)
uclient tcp-channel "$((10 * MSGS))" -t -c -m 10 -n "$MSGS"
uclient udp-channel "$((10 * MSGS))" -c -m 10 -n "$MSGS"

# The kernel still answers after all that.
if sb_run_c ping -c 2 -i 0.2 -W 2 "$SB_SERVER_IP" >/dev/null 2>&1; then
	ok "ping still answered after relaying"
else
	bad "ping still answered after relaying"
fi

stats || bad "turnpike-admin stats: $(tail -n 1 "$SB_DIR/stats.out")"
echo "     counters: $(grep -E '^dp\.(rx_packets|tx_packets|to_kernel|from_kernel|relay_channel_to_peer|relay_peer_to_channel|stream_in|stream_out|arp_[a-z_]*|drop\.xport_full|drop\.no_neighbour)=|^neigh\.(resolved|kernel_errors)=' \
	"$SB_DIR/stats.out" | tr '\n' ' ')"
n=$(counter dp.relay_channel_to_peer)
if [ "${n:-0}" -ge "$((${relayed0:-0} + 10 * MSGS))" ]; then
	ok "the fast path relayed ChannelData (relay_channel_to_peer $n)"
else
	bad "relay_channel_to_peer is ${n:-unreadable}, want at least $((${relayed0:-0} + 10 * MSGS))"
fi
for want in to_kernel from_kernel stream_in; do
	n=$(counter "dp.$want")
	if [ "${n:-0}" -gt 0 ]; then ok "dp.$want moved ($n)"; else bad "dp.$want is ${n:-unreadable}"; fi
done
n=$(counter neigh.resolved)
if [ "${n:-0}" -ge 1 ]; then ok "neigh.resolved $n: the peer's MAC from the kernel"; else bad "neigh.resolved is ${n:-unreadable}"; fi
for zero in dp.drop.xport_full dp.arp_replied dp.arp_requested dp.drop.bad_arp \
	dp.drop.no_neighbour neigh.kernel_errors; do
	n=$(counter "$zero")
	if [ "${n:-1}" -eq 0 ]; then ok "$zero 0"; else bad "$zero is ${n:-unreadable}"; fi
done

sb_server_stop
if ip -n "$SB_NS_S" link show dev "$XDEV" >/dev/null 2>&1; then
	bad "$XDEV removed when turnpike stopped"
else
	ok "$XDEV removed when turnpike stopped"
fi
finish
