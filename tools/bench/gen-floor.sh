#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# gen-floor.sh: the link's own limit, without TURN.  dpdk-testpmd in
# macswap mode reflects every frame over net_memif, and turnpike-gen
# --floor sends the same ChannelData-shaped frames a relay run would,
# counting what comes back.  Run it before gen-memif.sh to know how much
# of a relay figure is the generator and the link.  testpmd forwards on
# lcore 1, the generator runs on lcore 0.  Needs root and dpdk-testpmd.
#
#   tools/bench/gen-floor.sh [--build DIR] [--clients N] [--rate PPS]
#        [--size B] [--duration S] [-- more turnpike-gen options]
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=gen-common.sh
. "$top/tools/bench/gen-common.sh"

build="$top/build"
clients=1000 rate=0 size=100 duration=5
extra=()
gen_parse_args '
	--build     build
	--clients   clients
	--rate      rate
	--size      size
	--duration  duration
	--          extra
' "$@"
[ "$(id -u)" -eq 0 ] || { echo "gen-floor: run as root (DPDK EAL)" >&2; exit 1; }
gen="$build/tools/gen/turnpike-gen"
[ -x "$gen" ] || { echo "gen-floor: no $gen" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "gen-floor: no dpdk-testpmd" >&2; exit 77; }

id="tpk-floor-$$-$RANDOM"
dir=$(mktemp -d "/tmp/$id.XXXXXX") || exit 1
sock="/tmp/$id.sock"
tpmd_pid=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$tpmd_pid" ] && kill -0 "$tpmd_pid" 2>/dev/null; then
		kill -INT "$tpmd_pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$tpmd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$tpmd_pid" 2>/dev/null
	fi
	rm -f "$sock"
	rm -rf "/var/run/dpdk/$id-r" "/var/run/dpdk/$id-g"
	if [ "${KEEP:-0}" = 1 ]; then echo "gen-floor: kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# testpmd waits for Enter on stdin: give it a pipe that stays open.
limit=$(( ${duration%.*} + 120 ))
sleep "$limit" | timeout -k 5 "$limit" dpdk-testpmd -l 0,1 --no-huge -m 1024 \
	--no-pci --file-prefix "$id-r" --vdev "net_memif0,role=server,socket=$sock" \
	-- --forward-mode=macswap --auto-start --total-num-mbufs=16384 \
	>"$dir/testpmd.log" 2>&1 &
tpmd_pid=$!
for _ in $(seq 1 100); do
	grep -q 'Press enter to exit' "$dir/testpmd.log" 2>/dev/null && break
	sleep 0.1
done
timeout -k 5 "$limit" "$gen" -l 0 --no-huge -m 1024 --no-pci --file-prefix "$id-g" \
	--vdev "net_memif0,role=client,socket=$sock" -- --floor \
	--server 198.18.255.1 --server-mac 02:00:00:00:00:01 --clients "$clients" \
	--rate "$rate" --size "$size" --duration "$duration" "${extra[@]}" \
	2>"$dir/gen.log"
rc=$?
[ "$rc" -eq 0 ] || tail -20 "$dir/gen.log" >&2
exit "$rc"
