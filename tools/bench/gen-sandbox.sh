#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# gen-sandbox.sh: turnpike-gen against turnpike over net_af_packet, in the
# two-namespace sandbox of tests/e2e/sandbox.sh.  turnpike runs in the
# server namespace on its veth end as usual (one worker by default); the
# generator replaces the kernel clients: once the server answers, the
# client-side veth end loses its kernel addresses and turnpike-gen attaches
# to it with af_packet, playing clients ($SB_NET.64/26) and peers
# ($SB_NET.128/26) itself.  Prints the generator's report and checks it
# against turnpike's own counters.  Needs root.
#
#   tools/bench/gen-sandbox.sh [--build DIR] [--workers N] [--clients N]
#        [--peers M] [--rate PPS] [--size B] [--duration S]
#        [--mode channel|send|mixed] [--auth lt|rest|oauth|none] [--no-echo]
#        [--pcap-replay N] [--hold-s S] [--server-conf LINE]...
#        [-- more turnpike-gen options]
#
# --pcap-replay N checks the pktgen export instead of driving traffic: the
# generator sets up the allocations, writes one client frame each with
# --pcap-out and holds them (--hold); the file is then replayed N times
# onto the client-side veth by a raw socket (what pktgen-dpdk would do on
# a NIC), and the generator's peers must receive the relayed copies.
# --hold-s S waits S seconds before the replay, so the keep-alives must
# have worked (shorten the server's lifetimes with --server-conf, e.g.
# --server-conf permission-lifetime=8 -- --refresh-perm 4).
#
# sb_cleanup (the sandbox's EXIT trap) removes the namespaces, the veth,
# every process started here and the DPDK runtime dirs; SB_KEEP=1 keeps
# the logs.  No `set -e`: sandbox.sh's cleanup runs commands that may fail
# (killing what already exited), and errexit would cut it short.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=gen-common.sh
. "$top/tools/bench/gen-common.sh"

build="$top/build"
workers=1 clients=1000 peers=16 rate=20000 size=100 duration=10 mode=channel
auth=lt echo=--echo replay=0 hold_s=0
extra=() server_conf=()
gen_parse_args '
	--build        build
	--workers      workers
	--clients      clients
	--peers        peers
	--rate         rate
	--size         size
	--duration     duration
	--mode         mode
	--auth         auth
	--no-echo      echo=
	--pcap-replay  replay
	--hold-s       hold_s
	--server-conf  server_conf+
	--             extra
' "$@"
gen="$build/tools/gen/turnpike-gen"
[ -x "$gen" ] || { echo "gen-sandbox: no $gen (build with DPDK first)" >&2; exit 1; }
# shellcheck source=../../tests/e2e/sandbox.sh
. "$top/tests/e2e/sandbox.sh"

# --pcap-replay: hold, export, replay the export, count what peers got.
replay_check() {
	local pcap="$SB_DIR/alloc.pcap" pid i
	sb_bg "$SB_NS_C" gen bash -c 'exec "$@" >"'"$SB_DIR"'/gen.json"' _ \
		"$gen" "${gen_args[@]}" --pcap-out "$pcap" --hold "${extra[@]}"
	pid=$SB_BG_PID
	for i in $(seq 1 600); do
		grep -q 'holding' "$SB_DIR/gen.log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { tail "$SB_DIR/gen.log" >&2; return 1; }
		sleep 0.1
	done
	grep -q 'holding' "$SB_DIR/gen.log" || { echo "no hold" >&2; return 1; }
	sleep "$hold_s"
	# sb_run_c gives commands /dev/null as stdin: the script goes in a file.
	cat >"$SB_DIR/replay.py" <<'PY'
import socket, struct, sys, time
path, dev, times = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
assert struct.unpack_from("<IHHiIII", data, 0)[0] == 0xa1b2c3d4, "not LE pcap"
frames, off = [], 24
while off < len(data):
    _, _, incl, _ = struct.unpack_from("<IIII", data, off)
    frames.append(data[off + 16:off + 16 + incl]); off += 16 + incl
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
for _ in range(times):
    for f in frames:
        s.send(f)
    time.sleep(0.01)
print("replayed %d frames x %d" % (len(frames), times))
PY
	sb_run_c python3 "$SB_DIR/replay.py" "$pcap" "$SB_DEV_C" "$replay" || return 1
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	sb_server_stop
	python3 - "$SB_DIR/gen.json" "$SB_SERVER_LOG" "$replay" <<'PY'
import json, re, sys
rep = json.load(open(sys.argv[1])); times = int(sys.argv[3])
srv = dict(re.findall(r"(\w+)=(\d+)", [l for l in open(sys.argv[2]) if " info stats " in l][-1]))
want = rep["allocations"] * times
got = rep["to_peer"]["received"]
print("== pcap replay: %d allocations held, %d frames replayed; peers received %d, "
      "bad %d; turnpike relayed_to_peer=%s" % (rep["allocations"], want, got,
      rep["counters"]["to_peer_bad"], srv["relayed_to_peer"]))
# af_packet may drop a few under load; the frames must be relayable.
sys.exit(0 if got >= 0.95 * want and rep["counters"]["to_peer_bad"] == 0 else 1)
PY
}

sb_require_root
SB_CMD_TIMEOUT=$(( ${duration%.*} + 300 ))
sb_init || exit 1

conf="$SB_DIR/bench.conf"
{
	gen_auth_conf "$auth"
	echo "allowed-peer-ip=$SB_PREFIX"
	gen_limits_off
	for line in "${server_conf[@]}"; do echo "$line"; done
} >"$conf"
sb_server_start turnpike "$conf" "$workers" "$build" || exit 1

# The generator owns the client side from here: no kernel addresses, so
# the kernel neither answers ARP for them nor replies to their traffic.
timeout 10 ip -n "$SB_NS_C" addr flush dev "$SB_DEV_C" || exit 1
prefix="$SB_ID-gen"
SB_DPDK_PREFIXES+=("$prefix")
# shellcheck disable=SC2207  # gen_auth_args prints words to split
gen_args=(-l 0 --no-huge -m 1024 --no-pci --file-prefix "$prefix"
	--vdev "net_af_packet0,iface=$SB_DEV_C" --
	--server "$SB_SERVER_IP" --client-net "$SB_NET.64/26"
	--peer-net "$SB_NET.128/26" --clients "$clients" --peers "$peers"
	$(gen_auth_args "$auth") --mode "$mode" --size "$size"
	--idle-sleep-us 20 --json)
[ "$replay" -gt 0 ] && { replay_check; exit $?; }
rc=0
sb_run_c "$gen" "${gen_args[@]}" --rate "$rate" --duration "$duration" $echo \
	"${extra[@]}" >"$SB_DIR/gen.json" 2>"$SB_DIR/gen.log" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
	tail -20 "$SB_DIR/gen.log" >&2
	exit "$rc"
fi
sb_server_stop
echo "== af_packet: $clients allocations, $workers worker(s), $mode, $size-byte payloads, rate $rate (0 = flat out), ${duration}s${echo:+, echoed}"
gen_compare "$SB_DIR/gen.json" "$SB_SERVER_LOG"
