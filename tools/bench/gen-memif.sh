#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# gen-memif.sh: turnpike and turnpike-gen back to back over net_memif (two
# DPDK processes sharing memory, no kernel on the path): the fastest way
# to measure the relay on one machine.  turnpike gets lcores 0 (control
# thread) and 1 (its one worker); the generator runs on lcore 0 beside the
# control thread and yields when idle.  Prints the generator's report and
# checks it against turnpike's own counters.  Needs root (EAL), no
# hugepages, no NIC.
#
#   tools/bench/gen-memif.sh [--build DIR] [--clients N] [--peers M]
#        [--rate PPS] [--size B] [--duration S] [--mode channel|send|mixed]
#        [--auth lt|rest|oauth|none] [--no-echo] [--server-conf LINE]...
#        [-- more turnpike-gen options]
#
# Everything it makes (a temp dir, the memif socket, DPDK runtime dirs) is
# removed by the EXIT trap; KEEP=1 keeps the temp dir and logs.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=gen-common.sh
. "$top/tools/bench/gen-common.sh"

build="$top/build"
clients=1000 peers=16 rate=0 size=100 duration=10 mode=channel auth=lt echo=--echo
extra=() server_conf=()
gen_parse_args '
	--build        build
	--clients      clients
	--peers        peers
	--rate         rate
	--size         size
	--duration     duration
	--mode         mode
	--auth         auth
	--no-echo      echo=
	--server-conf  server_conf+
	--             extra
' "$@"
[ "$(id -u)" -eq 0 ] || { echo "gen-memif: run as root (DPDK EAL)" >&2; exit 1; }
tp="$build/tools/turnpike"
gen="$build/tools/gen/turnpike-gen"
for b in "$tp" "$gen"; do
	[ -x "$b" ] || { echo "gen-memif: no $b (build with DPDK first)" >&2; exit 1; }
done

id="tpk-memif-$$-$RANDOM"
dir=$(mktemp -d "/tmp/$id.XXXXXX")
sock="/tmp/$id.sock"
tp_pid=
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$tp_pid" ] && kill -0 "$tp_pid" 2>/dev/null; then
		kill -INT "$tp_pid" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$tp_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$tp_pid" 2>/dev/null || true
	fi
	rm -f "$sock"
	rm -rf "/var/run/dpdk/$id-s" "/var/run/dpdk/$id-g"
	if [ "${KEEP:-0}" = 1 ]; then echo "gen-memif: kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Relay ports: 3479-65535 (above the listening port, which may not lie in
# the relay range) on each relay IP, enough relay IPs for N.
relays=$(( (clients + 62000) / 62000 ))
{
	gen_auth_conf "$auth"
	echo "listening-ip=198.18.255.1"
	for i in $(seq 1 "$relays"); do echo "relay-ip=198.18.255.$i"; done
	echo "min-port=3479"
	echo "max-port=65535"
	echo "local-network=198.18.0.0/15"
	echo "allowed-peer-ip=198.19.0.0/16"
	case " ${server_conf[*]} " in
	*" allocations-per-worker="*) ;;
	*) echo "allocations-per-worker=$(( clients > 65536 ? clients : 65536 ))" ;;
	esac
	echo "admin-socket=$dir/admin.sock"
	gen_limits_off
	for line in "${server_conf[@]}"; do echo "$line"; done
} >"$dir/turnpike.conf"

timeout -k 5 $(( ${duration%.*} + 600 )) "$tp" -l 0,1 --no-huge -m 2048 --no-pci \
	--file-prefix "$id-s" --vdev "net_memif0,role=server,socket=$sock" \
	-- -c "$dir/turnpike.conf" --stats-interval 1 >"$dir/turnpike.log" 2>&1 &
tp_pid=$!
for _ in $(seq 1 200); do
	grep -q ' info start ' "$dir/turnpike.log" 2>/dev/null && break
	kill -0 "$tp_pid" 2>/dev/null || { cat "$dir/turnpike.log" >&2; exit 1; }
	sleep 0.1
done

# shellcheck disable=SC2046
timeout -k 5 $(( ${duration%.*} + 600 )) "$gen" -l 0 --no-huge -m 1024 --no-pci \
	--file-prefix "$id-g" --vdev "net_memif0,role=client,socket=$sock" -- \
	--server 198.18.255.1 --client-net 198.18.0.0/20 --peer-net 198.19.0.0/24 \
	--clients "$clients" --peers "$peers" $(gen_auth_args "$auth") \
	--mode "$mode" --rate "$rate" --size "$size" --duration "$duration" $echo \
	--idle-sleep-us 10 --json "${extra[@]}" >"$dir/gen.json" 2>"$dir/gen.log" ||
	{ rc=$?; tail -20 "$dir/gen.log" >&2; [ "$rc" -eq 3 ] || exit "$rc"; }

# A server already gone died during the run or as the generator left
# (DPDK 22.11's memif PMD can crash it then: see relay-bench's
# tp_memif_race); either way its counters below are not the whole run's.
st=0
kill -INT "$tp_pid" 2>/dev/null || {
	wait "$tp_pid" || st=$?
	tail -5 "$dir/turnpike.log" >&2
	echo "gen-memif: turnpike died before the end (exit status $st)" >&2
	exit 1
}
wait "$tp_pid" || true
tp_pid=
echo "== memif: $clients allocations, $mode, $size-byte payloads, rate ${rate:-0} (0 = flat out), ${duration}s${echo:+, echoed}"
gen_compare "$dir/gen.json" "$dir/turnpike.log"
