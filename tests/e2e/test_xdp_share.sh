#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of AF_XDP mode sharing the interface with the host
# (issue 8, "the host keeps its interface"): turnpike runs on DPDK's
# net_af_xdp PMD with its own XDP program (dataplane/bpf/tp_xdp.bpf.c),
# started with nothing but its own command line (--vdev from `turnpike
# --xdp-vdev`) and configuration, while the kernel keeps the server's
# address on the same veth and owns ARP on it.  Then, from the client
# namespace:
#   - a port whose program is not turnpike's (the PMD's default) stops
#     the server with a message that says how to start it;
#   - the program is attached in native mode (veth has native XDP) and the
#     server filled its maps itself (its log says so); with the relay range
#     reserved from the kernel's ephemeral ports, no warning about them;
#   - ping of the server address is answered (by the kernel);
#   - TCP to a kernel listener on the server address works;
#   - UDP to another port reaches a kernel socket and is echoed;
#   - a STUN Binding to the listening port is answered (by turnpike), and
#     so are 32 at once from as many source ports;
#   - coturn's turnutils_uclient relays through turnpike to turnutils_peer
#     with zero loss: 10 clients over UDP with ChannelData and with Send
#     indications, then 10 over TCP (the stream thread, through the
#     kernel's stack); the peer's MAC came from the kernel's neighbour
#     table (neigh.resolved), no frame waited in vain (no_neighbour 0);
#   - the first datagram to eight peers the relay has never reached
#     (first_packet.py), timed cold and warm;
#   - the kernel still answers ping and TCP after all that;
#   - the counters, read with `turnpike-admin stats`, agree: UDP
#     redirected, TCP/ICMP and ARP passed, the kernel's own UDP passed as
#     not ours (xdp.*); next hops resolved, no kernel error, nothing lost
#     (neigh.*);
#   - when turnpike stops, the PMD detaches the program and the kernel
#     still answers.
#
# No nftables rule: the XDP program keeps turnpike's UDP from the kernel.
#
# One worker only: the server needs a queue pair per worker, and DPDK
# 22.11's net_af_xdp counts an interface's queues by ethtool's "combined"
# channels, which veth does not report (it has separate RX and TX
# channels, raised with ethtool -L), so on a veth it makes one queue and
# refuses queue_count=2 ("larger than combined queue count 1").  A NIC
# with combined channels takes as many workers as it has channels.  See
# sandbox.sh for the network.
#
# Usage: test_xdp_share.sh [--workers 1] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no XDP program in
# the build, no ping or coturn's client tools, more than one worker asked).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
if [ "$workers" != 1 ]; then
	echo "SKIP: net_af_xdp makes one queue on a veth: one worker only"
	exit 77
fi
PROG="$build/dataplane/bpf/tp_xdp.bpf.o"
BIN="$build/tools/turnpike"
ADMIN="$build/tools/turnpike-admin"
if [ ! -f "$PROG" ]; then
	echo "SKIP: no XDP program in $build (clang or libbpf missing)"
	exit 77
fi
if [ ! -x "$BIN" ] || [ ! -x "$ADMIN" ]; then
	echo "FAIL no $BIN or $ADMIN"
	exit 1
fi
command -v ping >/dev/null 2>&1 ||
	{ echo "SKIP: ping not found (Debian package iputils-ping)"; exit 77; }
for tool in turnutils_uclient turnutils_peer; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found (Debian package coturn)"; exit 77; }
done

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

TCP_PORT=8080
UDP_ECHO_PORT=5000
MIN_PORT=49152
MAX_PORT=65535
USER=alice
PASS=alice-e2e-pw
PEER_PORT=3480
MSGS=50
# Fresh peers for first_packet.py: addresses nobody has resolved yet.
FRESH_PEERS=()
for i in $(seq 20 27); do FRESH_PEERS+=("$SB_NET.$i"); done

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 20 lines:"
	tail -n 20 "$SB_SERVER_LOG" | sed 's/^/    /'
	echo "----"
}

# The XDP line of the server's interface ("prog/xdp id N name ..."), and
# its mode from the link line ("xdp" native, "xdpgeneric", "xdpoffload").
xdp_prog_line() { ip -n "$SB_NS_S" -d link show dev "$SB_DEV_S" | grep 'prog/xdp'; }
xdp_mode() {
	ip -n "$SB_NS_S" link show dev "$SB_DEV_S" |
		grep -oE ' (xdp|xdpgeneric|xdpoffload|xdpmulti) ' | tr -d ' '
}

# stats: the server's counters (turnpike-admin stats) into $SB_DIR/stats.out.
stats() {
	timeout -k 2 20 "$ADMIN" -s "$SB_DIR/admin.sock" -t 10 stats \
		>"$SB_DIR/stats.out" 2>&1
}
# counter NAME: one line of the last stats, e.g. xdp.redirected.
counter() { sed -n "s/^$1=//p" "$SB_DIR/stats.out"; }

# The kernel keeps its address on the interface turnpike uses, and its
# own UDP sockets keep out of the relay range.
timeout 10 ip -n "$SB_NS_S" addr add "$SB_SERVER_IP/24" dev "$SB_DEV_S" ||
	{ bad "server address on $SB_DEV_S"; finish; }
sb_run_s sysctl -qw "net.ipv4.ip_local_reserved_ports=$MIN_PORT-$MAX_PORT" ||
	{ bad "reserve the relay range from the kernel's ephemeral ports"; finish; }
for ip in "${FRESH_PEERS[@]}"; do
	timeout 10 ip -n "$SB_NS_C" addr add "$ip/24" dev "$SB_DEV_C" ||
		{ bad "peer address $ip"; finish; }
done

# The kernel's own services on that address: TCP and another UDP port.
sb_bg "$SB_NS_S" http python3 -m http.server --bind "$SB_SERVER_IP" "$TCP_PORT"
sb_bg "$SB_NS_S" udpecho python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
' "$SB_SERVER_IP" "$UDP_ECHO_PORT"

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
admin-socket=$SB_DIR/admin.sock
EOF
# start_server NAME VDEV: turnpike on VDEV, its log in $SB_DIR/NAME.log.
start_server() {
	local prefix="${SB_ID}-$1"
	SB_DPDK_PREFIXES+=("$prefix")
	SB_SERVER_LOG="$SB_DIR/$1.log"
	sb_bg "$SB_NS_S" "$1" "$BIN" --lcores "$(_sb_lcores 1)" --no-huge \
		-m 1024 --no-pci --file-prefix "$prefix" --vdev "$2" \
		-- -c "$conf" --stats-interval 1 --idle-sleep-us 50
	SB_SERVER_PID=$SB_BG_PID
}

# The PMD's own program (no xdp_prog=) takes every frame: the server must
# refuse it and say how to start.
start_server foreign "net_af_xdp0,iface=$SB_DEV_S,start_queue=0,queue_count=1"
for _ in $(seq 1 100); do sb_server_alive || break; sleep 0.2; done
if sb_server_alive; then
	bad "a port with another XDP program stops the server"
	sb_server_stop
elif grep -q 'turnpike --xdp-vdev' "$SB_DIR/foreign.log"; then
	ok "a port with another XDP program stops the server: $(grep -o \
		"not turnpike's[^;]*\|has no XDP program" "$SB_DIR/foreign.log" | head -n 1)"
else
	bad "a port with another XDP program: no hint in the log"
	tail -n 5 "$SB_DIR/foreign.log" | sed 's/^/    /'
fi
SB_SERVER_PID=

vdev=$("$BIN" --xdp-vdev "$SB_DEV_S" 1) || { bad "turnpike --xdp-vdev"; finish; }
case "$vdev" in
*"xdp_prog=$(realpath "$PROG")") ok "turnpike --xdp-vdev names this build's program" ;;
*) bad "turnpike --xdp-vdev gave '$vdev'" ;;
esac
start_server server "$vdev"

# The PMD attaches the program while it sets its queue up.
for _ in $(seq 1 100); do
	xdp_prog_line | grep -q 'name tp_xdp_steer' && break
	sb_server_alive || break
	sleep 0.2
done
if xdp_prog_line | grep -q 'name tp_xdp_steer'; then
	ok "turnpike's XDP program attached to $SB_DEV_S"
else
	bad "turnpike's XDP program attached to $SB_DEV_S"
	server_log_tail
	finish
fi
mode=$(xdp_mode)
if [ "$mode" = xdp ]; then ok "attached in native mode"; else bad "mode '$mode', want native"; fi

for _ in $(seq 1 50); do
	grep -q ' xdp iface=' "$SB_SERVER_LOG" && break
	sleep 0.2
done
if grep -q " xdp iface=$SB_DEV_S .*mode=native addresses=1 " "$SB_SERVER_LOG"; then
	ok "the server filled its program's maps ($(grep -o ' xdp iface=.*' \
		"$SB_SERVER_LOG" | head -n 1))"
else
	bad "the server filled its program's maps"
	server_log_tail
fi
if grep -q ' neigh iface=.* source=kernel' "$SB_SERVER_LOG"; then
	ok "next hops from the kernel's neighbour table"
else
	bad "next hops from the kernel's neighbour table"
fi
if grep -q 'ephemeral ports\|is not one of its addresses' "$SB_SERVER_LOG"; then
	bad "a start-up warning about the host: $(grep -o 'iface=.*' "$SB_SERVER_LOG" |
		grep 'ephemeral\|not one of' | head -n 1)"
else
	ok "no warning: our address is the kernel's, the relay range reserved"
fi

if sb_run_c ping -c 3 -i 0.2 -W 2 "$SB_SERVER_IP" >"$SB_DIR/ping.log" 2>&1; then
	ok "ping $SB_SERVER_IP answered by the kernel"
else
	bad "ping $SB_SERVER_IP"; tail -3 "$SB_DIR/ping.log"
fi

if sb_run_c python3 -c '
import sys, urllib.request
for _ in range(20):
    try:
        r = urllib.request.urlopen("http://%s:%s/" % (sys.argv[1], sys.argv[2]), timeout=2)
        sys.exit(0 if r.status == 200 else 1)
    except OSError:
        pass
sys.exit(1)
' "$SB_SERVER_IP" "$TCP_PORT" >"$SB_DIR/tcp.log" 2>&1; then
	ok "TCP to a kernel listener on $SB_SERVER_IP:$TCP_PORT"
else
	bad "TCP to a kernel listener on $SB_SERVER_IP:$TCP_PORT"
fi

if sb_run_c python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
for i in range(10):
    try:
        s.sendto(b"echo-%d" % i, (sys.argv[1], int(sys.argv[2])))
        if s.recvfrom(2048)[0] == b"echo-%d" % i:
            sys.exit(0)
    except OSError:
        pass
sys.exit(1)
' "$SB_SERVER_IP" "$UDP_ECHO_PORT" >"$SB_DIR/udpecho.log" 2>&1; then
	ok "UDP to another port ($UDP_ECHO_PORT) echoed by a kernel socket"
else
	bad "UDP to another port ($UDP_ECHO_PORT) echoed by a kernel socket"
fi

if sb_wait_udp "$SB_NS_C" "$SB_SERVER_IP" "$SB_TURN_PORT" 10; then
	ok "STUN Binding to $SB_SERVER_IP:$SB_TURN_PORT answered by turnpike"
else
	bad "STUN Binding to $SB_SERVER_IP:$SB_TURN_PORT answered by turnpike"
	server_log_tail
fi

# Many flows at once, each from its own port.
if sb_run_c python3 -c '
import os, socket, struct, sys, time
ip, port, n = sys.argv[1], int(sys.argv[2]), 32
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
tids = [os.urandom(12) for _ in range(n)]
for s in socks:
    s.setblocking(False)
left = set(range(n))
end = time.monotonic() + 10
while left and time.monotonic() < end:
    for i in left:
        socks[i].sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + tids[i], (ip, port))
    time.sleep(0.2)
    for i in list(left):
        try:
            data = socks[i].recv(2048)
        except BlockingIOError:
            continue
        if data[0:2] == b"\x01\x01" and data[8:20] == tids[i]:
            left.discard(i)
sys.exit(1 if left else 0)
' "$SB_SERVER_IP" "$SB_TURN_PORT" >"$SB_DIR/bindings.log" 2>&1; then
	ok "32 Bindings from 32 source ports all answered"
else
	bad "32 Bindings from 32 source ports all answered"
fi

# uclient NAME EXPECTED ARGS...: coturn's client through turnpike to
# turnutils_peer on $SB_PEER1_IP: every message sent echoed, none lost.
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
uclient udp-channel "$((10 * MSGS))" -c -m 10 -n "$MSGS"
uclient udp-send "$((10 * MSGS))" -c -s -m 10 -n "$MSGS"
uclient tcp-channel "$((10 * MSGS))" -t -c -m 10 -n "$MSGS"
if grep -q "neigh.resolved ip=$SB_PEER1_IP " "$SB_SERVER_LOG"; then
	ok "the peer's MAC from the kernel: $(grep -o "neigh.resolved ip=$SB_PEER1_IP .*" \
		"$SB_SERVER_LOG" | head -n 1)"
else
	bad "the peer's MAC from the kernel (no neigh.resolved for $SB_PEER1_IP)"
fi

# The first datagram to peers nobody has resolved yet.
if sb_run_c python3 "$here/first_packet.py" "$SB_SERVER_IP" "$SB_TURN_PORT" \
	"$SB_CLIENT_IP" "$USER" "$PASS" "${FRESH_PEERS[@]}" \
	>"$SB_DIR/first_packet.log" 2>&1; then
	ok "first datagram to ${#FRESH_PEERS[@]} fresh peers: $(tail -n 1 "$SB_DIR/first_packet.log")"
else
	bad "first datagram to fresh peers: $(tail -n 3 "$SB_DIR/first_packet.log")"
fi

# The kernel still has its address: ping and TCP, after the relaying.
if sb_run_c ping -c 2 -i 0.2 -W 2 "$SB_SERVER_IP" >/dev/null 2>&1; then
	ok "ping still answered by the kernel after relaying"
else
	bad "ping still answered by the kernel after relaying"
fi
if sb_run_c python3 -c '
import sys, urllib.request
r = urllib.request.urlopen("http://%s:%s/" % (sys.argv[1], sys.argv[2]), timeout=5)
sys.exit(0 if r.status == 200 else 1)
' "$SB_SERVER_IP" "$TCP_PORT" >/dev/null 2>&1; then
	ok "TCP to the kernel's listener still works after relaying"
else
	bad "TCP to the kernel's listener still works after relaying"
fi

stats || bad "turnpike-admin stats: $(tail -n 1 "$SB_DIR/stats.out")"
echo "     XDP counters: $(grep '^xdp\.' "$SB_DIR/stats.out" | tr '\n' ' ')"
echo "     neighbours: $(grep '^neigh\.' "$SB_DIR/stats.out" | tr '\n' ' ')"
for want in redirected pass_not_udp pass_not_ipv4 pass_not_ours; do
	n=$(counter "xdp.$want")
	if [ "${n:-0}" -gt 0 ]; then ok "XDP counter $want moved ($n)"; else bad "XDP counter $want is ${n:-unreadable}"; fi
done
n=$(counter xdp.pass_no_socket)
if [ "${n:-1}" -eq 0 ]; then ok "no frame of ours found the socket missing"; else bad "pass_no_socket is ${n:-unreadable}"; fi
n=$(counter neigh.resolved)
if [ "${n:-0}" -ge $((1 + ${#FRESH_PEERS[@]})) ]; then
	ok "neigh.resolved $n (resolve_us_max $(counter neigh.resolve_us_max))"
else
	bad "neigh.resolved is ${n:-unreadable}, want $((1 + ${#FRESH_PEERS[@]}))"
fi
for zero in neigh.kernel_errors neigh.lost neigh.send_failed dp.drop.no_neighbour \
	dp.arp_requested; do
	n=$(counter "$zero")
	if [ "${n:-1}" -eq 0 ]; then ok "$zero 0"; else bad "$zero is ${n:-unreadable}"; fi
done

sb_server_stop
if xdp_prog_line >/dev/null; then
	bad "XDP program detached when turnpike stopped"
else
	ok "XDP program detached when turnpike stopped"
fi
if sb_run_c ping -c 1 -W 2 "$SB_SERVER_IP" >/dev/null 2>&1; then
	ok "the kernel still answers ping after turnpike stopped"
else
	bad "the kernel still answers ping after turnpike stopped"
fi
finish
