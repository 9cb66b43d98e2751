# SPDX-License-Identifier: BSD-3-Clause
#
# sandbox.sh: a bash library for end-to-end tests of turnpike, sourced by
# tests/e2e/test_*.sh.  It builds a private two-namespace network for one
# test run and tears it down however the run ends.
#
#    server namespace ($SB_NS_S)            client namespace ($SB_NS_C)
#   +---------------------------+          +-----------------------------+
#   | turnpike (af_packet on    |   veth   | $SB_CLIENT_IP  (.2) clients |
#   |  $SB_DEV_S, no kernel IP) |<-------->| $SB_PEER1_IP   (.3) peers   |
#   | or coturn's turnserver    |          | $SB_PEER2_IP   (.4) peers   |
#   |  ($SB_SERVER_IP on it)    |          |               ($SB_DEV_C)   |
#   +---------------------------+          +-----------------------------+
#
# The /24 is drawn per run inside 10.240.0.0/12; .1 is the server's.  Every
# namespace, link, process and file the library makes is recorded and removed
# by sb_cleanup, which sb_init installs as the EXIT/INT/TERM/HUP trap.  A
# test that needs its own EXIT work calls sb_cleanup from it.  Every command
# runs under timeout(1); every loop is bounded in count and time.
#
# Public functions (all return 0 on success, non-zero on failure):
#   sb_require_root            exit 77 (skip) unless root with ip/ethtool
#   sb_init                    make the namespaces, veth and addresses
#   sb_cleanup                 kill what we started, delete what we made
#   sb_exec NS CMD...          run CMD in NS (foreground, bounded)
#   sb_run_c CMD... / sb_run_s CMD...   the same in the client/server NS
#   sb_bg NS NAME CMD...       start CMD in NS in the background, output
#                              to $SB_DIR/NAME.log; sets SB_BG_PID
#   sb_kill PID                TERM, wait up to 10 s, then KILL
#   sb_wait_udp NS IP PORT [S] wait until a STUN Binding to IP:PORT is
#                              answered from NS, at most S seconds (10)
#   sb_server_start KIND CONFIG [WORKERS] [BUILD_DIR]
#                              start turnpike or coturn with CONFIG (coturn
#                              syntax plus turnpike's oauth-key lines; the
#                              addresses are added here); sets SB_SERVER_PID
#                              and SB_SERVER_LOG; waits until it answers
#   sb_server_stop             stop it (SIGTERM, bounded), keep its log
#                              (turnpike: $SB_SERVER_PREFIX is its DPDK
#                              file prefix)
#
# Tunables (environment): SB_CMD_TIMEOUT (s, default 120) bounds one
# foreground command; SB_KEEP=1 keeps $SB_DIR for inspection;
# SB_STATS_INTERVAL (s, default 5) is turnpike's --stats-interval;
# SB_IDLE_SLEEP_US (default 50) its workers' --idle-sleep-us;
# SB_TURNPIKE_CONF, extra lines for turnpike's configuration.
# SB_SHARE_KERNEL=1 gives turnpike's veth the server address in the kernel
# too, for TURN over TCP and TLS through the kernel's stack: af_packet sees
# every frame first, and an nftables table in the server namespace drops
# the UDP the kernel would otherwise answer with ICMP port unreachable.
# SB_PMD=af_xdp runs turnpike on net_af_xdp instead (AF_XDP mode, --vdev
# from `turnpike --xdp-vdev`): the kernel keeps the server address, and
# turnpike's XDP program takes only its UDP, so no nftables rule is needed;
# one worker per combined channel (a veth has one).
# SB_IPV6=1 (before sb_init) adds a unique-local /64 drawn per run: the
# server's $SB_SERVER_IP6 (::1), the client's $SB_CLIENT_IP6 (::2), the
# peers' $SB_PEER1_IP6 and $SB_PEER2_IP6 (::3, ::4); turnpike listens and
# relays on both families, and the kernel's neighbour discovery on the client
# side meets turnpike's (no kernel IPv6 on the server's veth unless it is
# shared, as above).  The addresses skip duplicate address detection so they
# are usable at once.  $SB_NET6 is written as turnpike and inet_ntop(3)
# write it (no leading zeros), so logs can be matched against it.

SB_CMD_TIMEOUT=${SB_CMD_TIMEOUT:-120}
SB_TURN_PORT=${SB_TURN_PORT:-3478}
SB_PIDS=()
SB_NAMESPACES=()
SB_DPDK_PREFIXES=()
SB_SERVER_PID=
SB_SERVER_LOG=
SB_SERVER_KIND=
SB_FG_PID=
SB_DIR=
SB_CLEANED=0
SB_ID=

sb_log() {
	printf '[sandbox] %s\n' "$*" >&2
}

sb_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: end-to-end tests need root (network namespaces)"
		exit 77
	fi
	local tool
	for tool in ip ethtool timeout python3; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "SKIP: $tool not found"
			exit 77
		fi
	done
}

# Run a command in the foreground under timeout, but as a background job
# waited for, so that a signal reaches our trap at once.
_sb_fg() {
	timeout -k 5 "$SB_CMD_TIMEOUT" "$@" </dev/null &
	SB_FG_PID=$!
	local rc=0
	wait "$SB_FG_PID" || rc=$?
	SB_FG_PID=
	return "$rc"
}

sb_exec() {
	local ns=$1
	shift
	_sb_fg ip netns exec "$ns" "$@"
}

sb_run_c() { sb_exec "$SB_NS_C" "$@"; }
sb_run_s() { sb_exec "$SB_NS_S" "$@"; }

sb_init() {
	[ -z "$SB_ID" ] || { sb_log "sb_init called twice"; return 1; }
	SB_ID="tpk-$$-$RANDOM"
	trap 'sb_cleanup' EXIT
	trap 'sb_cleanup; exit 130' INT
	trap 'sb_cleanup; exit 143' TERM
	trap 'sb_cleanup; exit 129' HUP

	SB_DIR=$(mktemp -d "/tmp/${SB_ID}.XXXXXX") || return 1
	SB_NS_S="${SB_ID}-s"
	SB_NS_C="${SB_ID}-c"
	# Names are per namespace, so fixed short names cannot collide.
	SB_DEV_S=tpks0
	SB_DEV_C=tpkc0
	local a=$((RANDOM % 16)) b=$((RANDOM % 256))
	SB_NET="10.$((240 + a)).$b"
	SB_PREFIX="$SB_NET.0/24"
	SB_SERVER_IP="$SB_NET.1"
	SB_CLIENT_IP="$SB_NET.2"
	SB_PEER1_IP="$SB_NET.3"
	SB_PEER2_IP="$SB_NET.4"
	if [ "${SB_IPV6:-0}" = 1 ]; then
		SB_NET6=$(printf 'fd%02x:%x:%x:%x' $((RANDOM % 256)) \
			"$RANDOM" "$RANDOM" "$RANDOM")
		SB_PREFIX6="$SB_NET6::/64"
		SB_SERVER_IP6="$SB_NET6::1"
		SB_CLIENT_IP6="$SB_NET6::2"
		SB_PEER1_IP6="$SB_NET6::3"
		SB_PEER2_IP6="$SB_NET6::4"
	fi

	local ns
	for ns in "$SB_NS_S" "$SB_NS_C"; do
		timeout 10 ip netns add "$ns" || return 1
		SB_NAMESPACES+=("$ns")
		timeout 10 ip -n "$ns" link set lo up || return 1
	done
	timeout 10 ip -n "$SB_NS_S" link add "$SB_DEV_S" type veth \
		peer name "$SB_DEV_C" netns "$SB_NS_C" || return 1
	# veth hands out partial checksums unless offloads are off.
	timeout 10 ip netns exec "$SB_NS_S" ethtool -K "$SB_DEV_S" tx off rx off \
		>/dev/null || return 1
	timeout 10 ip netns exec "$SB_NS_C" ethtool -K "$SB_DEV_C" tx off rx off \
		>/dev/null || return 1
	# The server side belongs to the relay: keep the kernel quiet on it.
	timeout 10 ip netns exec "$SB_NS_S" sysctl -qw \
		"net.ipv6.conf.$SB_DEV_S.disable_ipv6=1" >/dev/null 2>&1 || true
	if [ "${SB_IPV6:-0}" != 1 ]; then
		timeout 10 ip netns exec "$SB_NS_C" sysctl -qw \
			"net.ipv6.conf.$SB_DEV_C.disable_ipv6=1" >/dev/null 2>&1 ||
			true
	fi
	local ip
	for ip in "$SB_CLIENT_IP" "$SB_PEER1_IP" "$SB_PEER2_IP"; do
		timeout 10 ip -n "$SB_NS_C" addr add "$ip/24" dev "$SB_DEV_C" ||
			return 1
	done
	if [ "${SB_IPV6:-0}" = 1 ]; then
		for ip in "$SB_CLIENT_IP6" "$SB_PEER1_IP6" "$SB_PEER2_IP6"; do
			timeout 10 ip -n "$SB_NS_C" addr add "$ip/64" \
				dev "$SB_DEV_C" nodad || return 1
		done
	fi
	timeout 10 ip -n "$SB_NS_S" link set "$SB_DEV_S" up || return 1
	timeout 10 ip -n "$SB_NS_C" link set "$SB_DEV_C" up || return 1
	sb_log "namespaces $SB_NS_S / $SB_NS_C, net $SB_PREFIX${SB_PREFIX6:+ $SB_PREFIX6}, dir $SB_DIR"
}

sb_kill() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		sb_log "pid $pid ignored SIGTERM for 10 s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# Its status is not ours: a killed child must not trip set -e.
	wait "$pid" 2>/dev/null || true
	return 0
}

sb_bg() {
	local ns=$1 name=$2
	shift 2
	timeout -k 5 "${SB_BG_TIMEOUT:-1800}" ip netns exec "$ns" "$@" \
		</dev/null >"$SB_DIR/$name.log" 2>&1 &
	SB_BG_PID=$!
	SB_PIDS+=("$SB_BG_PID")
}

sb_cleanup() {
	[ "$SB_CLEANED" = 1 ] && return 0
	SB_CLEANED=1
	trap - EXIT INT TERM HUP
	# Cleanup must run to the end: a kill of a process that already exited
	# fails, and under the caller's set -e that would skip the rest.
	set +e
	local pid ns p i
	[ -n "$SB_FG_PID" ] && kill -TERM "$SB_FG_PID" 2>/dev/null
	for pid in "${SB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${SB_PIDS[@]}" $SB_FG_PID; do
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# Anything still inside our namespaces was started by this run.
	for ns in "${SB_NAMESPACES[@]}"; do
		for p in $(timeout 5 ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	for ns in "${SB_NAMESPACES[@]}"; do
		timeout 10 ip netns del "$ns" 2>/dev/null ||
			sb_log "could not delete namespace $ns"
	done
	SB_NAMESPACES=()
	for p in "${SB_DPDK_PREFIXES[@]}"; do
		case "$p" in tpk-*) rm -rf "/var/run/dpdk/$p" ;; esac
	done
	if [ -n "$SB_DIR" ] && [ -d "$SB_DIR" ]; then
		if [ "${SB_KEEP:-0}" = 1 ]; then
			sb_log "kept $SB_DIR"
		else
			rm -rf "$SB_DIR"
		fi
	fi
	return 0
}

# A STUN Binding request, sent up to once per 0.3 s until answered.
sb_wait_udp() {
	local ns=$1 ip=$2 port=$3 secs=${4:-10}
	timeout -k 2 "$((secs + 2))" ip netns exec "$ns" python3 - "$ip" "$port" \
		"$secs" <<'EOF'
import os, socket, struct, sys, time
ip, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
tid = os.urandom(12)
req = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + tid
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
end = time.monotonic() + secs
while time.monotonic() < end:
    try:
        s.sendto(req, (ip, port))
        data, _ = s.recvfrom(2048)
        if len(data) >= 20 and data[8:20] == tid and data[0:2] == b"\x01\x01":
            sys.exit(0)
    except OSError:
        time.sleep(0.3)
sys.exit(1)
EOF
}

# Lines of CONFIG that only turnpike reads; coturn gets them another way.
_sb_tp_only='^[[:space:]]*(oauth-key|local-network|gateway|allocations-per-worker|admin-socket|log-level|allow-unsafe-peers|rfc5766-channel-numbers|request-rate-per-prefix|request-burst-per-prefix|challenge-rate-per-prefix|challenge-burst-per-prefix|limit-prefix-v4|limit-prefix-v6|rest-max-lifetime|exception-interface|oauth-kid-quota)([[:space:]=]|$)'

_sb_coturn_config() {
	local in=$1 out=$2 db=$3
	{
		grep -Ev "$_sb_tp_only" "$in"
		cat <<EOF
listening-ip=$SB_SERVER_IP
relay-ip=$SB_SERVER_IP
listening-port=$SB_TURN_PORT
no-cli
no-tls
no-dtls
no-tcp
no-tcp-relay
no-multicast-peers
userdb=$db
pidfile=$SB_DIR/turnserver.pid
log-file=stdout
simple-log
no-stdout-log
EOF
	} >"$out"
	# coturn reads OAuth keys from its database (schema from the package).
	local schema=/usr/share/coturn/schema.sql
	[ -f "$schema" ] || schema=/usr/share/doc/coturn/schema.sql
	rm -f "$db"
	timeout 20 python3 - "$db" "$schema" "$in" <<'EOF' || return 1
import re, sqlite3, sys
db, schema, conf = sys.argv[1:4]
con = sqlite3.connect(db)
con.executescript(open(schema).read())
for line in open(conf):
    m = re.match(r'\s*oauth-key\s*=?\s*"?([^:"\s]+):([^:"\s]+):([^:"\s]+)', line)
    if m:
        con.execute("insert into oauth_key (kid, ikm_key, timestamp, lifetime,"
                    " as_rs_alg, realm) values (?, ?, 0, 0, ?, '')",
                    (m.group(1), m.group(2), m.group(3)))
con.commit()
EOF
}

_sb_turnpike_config() {
	local in=$1 out=$2
	{
		cat "$in"
		cat <<EOF
listening-ip=$SB_SERVER_IP
relay-ip=$SB_SERVER_IP
listening-port=$SB_TURN_PORT
local-network=$SB_PREFIX
admin-socket=$SB_DIR/admin.sock
EOF
		if [ "${SB_IPV6:-0}" = 1 ]; then
			cat <<EOF
listening-ip=$SB_SERVER_IP6
relay-ip=$SB_SERVER_IP6
local-network=$SB_PREFIX6
EOF
		fi
		if [ -n "${SB_TURNPIKE_CONF:-}" ]; then
			printf '%s\n' "$SB_TURNPIKE_CONF"
		fi
	} >"$out"
}

# With SB_IPV6, the kernel keeps the server's IPv6 address too (shared and
# AF_XDP modes): IPv6 on, the address usable at once.
_sb_kernel_ipv6() {
	[ "${SB_IPV6:-0}" = 1 ] || return 0
	timeout 10 ip netns exec "$SB_NS_S" sysctl -qw \
		"net.ipv6.conf.$SB_DEV_S.disable_ipv6=0" >/dev/null || return 1
	timeout 10 ip -n "$SB_NS_S" addr replace "$SB_SERVER_IP6/64" \
		dev "$SB_DEV_S" nodad
}

# The kernel keeps the server address for TCP and TLS; its UDP is turnpike's.
_sb_share_kernel() {
	command -v nft >/dev/null 2>&1 || { sb_log "no nft (nftables)"; return 1; }
	timeout 10 ip -n "$SB_NS_S" addr replace "$SB_SERVER_IP/24" \
		dev "$SB_DEV_S" || return 1
	local drop6=
	if [ "${SB_IPV6:-0}" = 1 ]; then
		_sb_kernel_ipv6 || return 1
		drop6="ip6 daddr $SB_SERVER_IP6 meta l4proto udp drop"
	fi
	timeout 10 ip netns exec "$SB_NS_S" nft -f - <<EOF || return 1
table inet tpk_share {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr $SB_SERVER_IP meta l4proto udp drop
		$drop6
	}
}
EOF
}

# EAL's --lcores for N workers: lcore 0 is the control thread; lcores are
# spread over the CPUs we may use.
_sb_lcores() {
	local n=$1 cpus i list
	cpus=($(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))'))
	list="0@${cpus[0]}"
	for i in $(seq 1 "$n"); do
		list="$list,$i@${cpus[$((i % ${#cpus[@]}))]}"
	done
	echo "$list"
}

sb_server_start() {
	local kind=$1 conf=$2 workers=${3:-1} build=${4:-}
	local n=${SB_SERVER_SEQ:-0}
	SB_SERVER_SEQ=$((n + 1))
	SB_SERVER_KIND=$kind
	SB_SERVER_LOG="$SB_DIR/server-$n.log"
	case "$kind" in
	coturn)
		command -v turnserver >/dev/null || { sb_log "no turnserver"; return 1; }
		timeout 10 ip -n "$SB_NS_S" addr replace "$SB_SERVER_IP/24" \
			dev "$SB_DEV_S" || return 1
		_sb_coturn_config "$conf" "$SB_DIR/turnserver-$n.conf" \
			"$SB_DIR/turndb-$n.sqlite" || return 1
		sb_bg "$SB_NS_S" "server-$n" turnserver -c "$SB_DIR/turnserver-$n.conf"
		;;
	turnpike)
		local bin="$build/tools/turnpike" vdev
		[ -x "$bin" ] || { sb_log "no $bin"; return 1; }
		if [ "${SB_PMD:-af_packet}" = af_xdp ]; then
			timeout 10 ip -n "$SB_NS_S" addr replace "$SB_SERVER_IP/24" \
				dev "$SB_DEV_S" || return 1
			_sb_kernel_ipv6 || return 1
			vdev=$("$bin" --xdp-vdev "$SB_DEV_S" "$workers") || return 1
		else
			timeout 10 ip -n "$SB_NS_S" addr flush dev "$SB_DEV_S" ||
				return 1
			if [ "${SB_SHARE_KERNEL:-0}" = 1 ]; then
				_sb_share_kernel || return 1
			fi
			vdev="net_af_packet0,iface=$SB_DEV_S,qpairs=$workers"
		fi
		_sb_turnpike_config "$conf" "$SB_DIR/turnpike-$n.conf"
		local prefix="${SB_ID}-$n"
		SB_DPDK_PREFIXES+=("$prefix")
		SB_SERVER_PREFIX=$prefix # for dpdk-telemetry.py -f
		sb_bg "$SB_NS_S" "server-$n" "$bin" \
			--lcores "$(_sb_lcores "$workers")" --no-huge -m 1024 \
			--no-pci --file-prefix "$prefix" --vdev "$vdev" \
			-- -c "$SB_DIR/turnpike-$n.conf" \
			--stats-interval "${SB_STATS_INTERVAL:-5}" \
			--idle-sleep-us "${SB_IDLE_SLEEP_US:-50}"
		;;
	*)
		sb_log "unknown server kind '$kind'"
		return 1
		;;
	esac
	SB_SERVER_PID=$SB_BG_PID
	if ! sb_wait_udp "$SB_NS_C" "$SB_SERVER_IP" "$SB_TURN_PORT" 30; then
		sb_log "server ($kind) did not answer a Binding within 30 s; log:"
		tail -n 40 "$SB_SERVER_LOG" >&2
		return 1
	fi
	if ! kill -0 "$SB_SERVER_PID" 2>/dev/null; then
		sb_log "server ($kind) exited; log:"
		tail -n 40 "$SB_SERVER_LOG" >&2
		return 1
	fi
	return 0
}

# True while the server process lives.
sb_server_alive() {
	[ -n "$SB_SERVER_PID" ] && kill -0 "$SB_SERVER_PID" 2>/dev/null
}

sb_server_stop() {
	[ -n "$SB_SERVER_PID" ] || return 0
	sb_kill "$SB_SERVER_PID"
	SB_SERVER_PID=
}
