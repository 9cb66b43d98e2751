#!/usr/bin/env bash
# The main job, for a newcomer: installs what is missing, builds, makes a
# two-namespace sandbox joined by a veth, starts turnpike on it (DPDK
# net_af_packet, no hugepages, no NIC), runs real TURN traffic through it
# with coturn's turnutils_uclient (authenticated allocations, channels, then
# Send indications, then channels over TCP as a client behind a firewall
# that drops UDP would use them; both directions via turnutils_peer), prints what was
# relayed, and tears everything down.  Needs root.
#   tools/demo.sh [--clients N] [--messages N] [--workers N]
set -euo pipefail

clients=20
messages=500
workers=1
while [ $# -gt 0 ]; do
	case "$1" in
	--clients) clients=$2; shift 2 ;;
	--messages) messages=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	*) echo "usage: $0 [--clients N] [--messages N] [--workers N]" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces, DPDK)" >&2; exit 1; }
tools/install-deps.sh
echo "== build"
[ -d build ] || meson setup build >/dev/null
ninja -C build tools/turnpike >/tmp/turnpike-demo-build.log 2>&1 ||
	{ tail -30 /tmp/turnpike-demo-build.log; exit 1; }

# shellcheck source=../tests/e2e/sandbox.sh
. tests/e2e/sandbox.sh
# The kernel keeps the server's address for TURN over TCP; its UDP is
# turnpike's (sandbox.sh: SB_SHARE_KERNEL).
export SB_SHARE_KERNEL=1
sb_init
conf="$SB_DIR/demo.conf"
cat >"$conf" <<CONF
realm=demo.turnpike.test
lt-cred-mech
user=alice:wonderland
allowed-peer-ip=$SB_PREFIX
rfc5766-channel-numbers
CONF
echo "== sandbox: server namespace $SB_NS_S, clients and peers in $SB_NS_C ($SB_PREFIX)"
echo "== starting turnpike ($workers worker(s), net_af_packet on $SB_DEV_S)"
sb_server_start turnpike "$conf" "$workers" "$top/build"
sb_bg "$SB_NS_C" peer turnutils_peer -L "$SB_PEER1_IP" -p 3480

run_clients() { # label, extra uclient flags
	local label=$1 log="$SB_DIR/uclient-$1.log"
	shift
	echo "== $label: $clients clients x $messages messages of 100 bytes, echoed by the peer"
	sb_run_c turnutils_uclient -c "$@" -u alice -w wonderland -e "$SB_PEER1_IP" \
		-r 3480 -n "$messages" -m "$clients" -l 100 -z 5 "$SB_SERVER_IP" \
		>"$log" 2>&1 || { tail -20 "$log"; return 1; }
	grep -E 'tot_send_msgs=[0-9]+, tot_recv_msgs|Total lost|Total transmit time' "$log" |
		sed 's/^[0-9]*: : /   uclient: /' | tail -3
	# Each message crosses turnpike twice: to the peer and back.
	awk '/tot_send_msgs=[0-9]+, tot_recv_msgs=/ { split($0, a, /[=,]/);
		for (i = 1; i < length(a); i++) {
			if (a[i] ~ /tot_send_msgs$/) s = a[i + 1];
			if (a[i] ~ /tot_recv_msgs$/) r = a[i + 1] } }
	     /Total transmit time is/ { t = $NF }
	     END { if (t > 0) printf "   relayed %d datagrams over the %d s uclient reports as transmit time (set-up and final wait included): %.0f datagrams/s, paced by uclient -z 5\n",
			s + r, t, (s + r) / t }' "$log"
}
run_clients channels
run_clients send-indications -s
# A client behind a firewall that drops UDP: TURN over TCP to turnpike, the
# relay leg to the peer still UDP on the fast path.
run_clients tcp-channels -t

sb_server_stop
echo "== what turnpike relayed (its own counters)"
grep -E ' info (stats|drops) ' "$SB_SERVER_LOG" | tail -2 | sed 's/^/   /'
echo "   (not_udp and not_for_us: the TCP connections' own frames, which af_packet"
echo "    shows the fast path too; the kernel's stack serves them)"
echo "   allocations ended with usage records: $(grep -c ' alloc.end ' "$SB_SERVER_LOG")"
grep -m 1 ' alloc.end ' "$SB_SERVER_LOG" | sed 's/^/   e.g. /'
