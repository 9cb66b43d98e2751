#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test tier,
# and fuzzes each parser for a bounded time.  Needs root (packages,
# namespaces).  Usage, as root: tests/run.sh [--fuzz-seconds N]
set -euo pipefail

fuzz_seconds=60
while [ $# -gt 0 ]; do
	case "$1" in
	--fuzz-seconds) fuzz_seconds="$2"; shift 2 ;;
	*) echo "usage: $0 [--fuzz-seconds N]" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/install-deps.sh

echo "== build and unit tests (ASan + UBSan)"
meson setup build-test -Db_sanitize=address,undefined -Db_lundef=false \
	--wipe >/dev/null 2>&1 || meson setup build-test \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-test
meson test -C build-test --print-errorlogs --num-processes 2

echo "== instruction counts (release build, callgrind)"
# The fast path's instructions per relayed packet, counted by valgrind, so
# the same on any machine: more than the baseline's plus 10% fails (see
# tools/bench/README.md, "Instruction counts").  1k and 1M allocations and
# the macswap floor, about a minute here.  A release build of that one
# program, as the baseline was counted.
meson setup build-instr -Dbuildtype=release -Ddpdk=enabled -Dtests=disabled \
	--wipe >/dev/null 2>&1 || meson setup build-instr -Dbuildtype=release \
	-Ddpdk=enabled -Dtests=disabled >/dev/null
ninja -C build-instr tools/bench/turnpike-dp-count
tools/bench/instr-count --build build-instr \
	--check tools/bench/instr-baseline.json \
	--out build-instr/instr-count.json >/dev/null

echo "== fuzzing, ${fuzz_seconds}s per target (libFuzzer, ASan + UBSan)"
CC=clang meson setup build-fuzz -Ddpdk=disabled -Dtests=disabled -Dfuzz=true \
	-Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fsanitize=fuzzer-no-link --wipe >/dev/null 2>&1 ||
	CC=clang meson setup build-fuzz -Ddpdk=disabled -Dtests=disabled \
	-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fsanitize=fuzzer-no-link >/dev/null
ninja -C build-fuzz
# The fast path's target needs DPDK (EAL in-process, no hugepages, no PCI):
# a build of its own, of that one target.
CC=clang meson setup build-fuzz-dp -Ddpdk=enabled -Dtests=disabled -Dfuzz=true \
	-Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fsanitize=fuzzer-no-link --wipe >/dev/null 2>&1 ||
	CC=clang meson setup build-fuzz-dp -Ddpdk=enabled -Dtests=disabled \
	-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fsanitize=fuzzer-no-link >/dev/null
ninja -C build-fuzz-dp tests/fuzz/fuzz_dp_input
fuzz_passed=0
for target in build-fuzz/tests/fuzz/fuzz_* build-fuzz-dp/tests/fuzz/fuzz_dp_*; do
	[ -f "$target" ] && [ -x "$target" ] || continue
	name=$(basename "$target")
	bdir=${target%%/tests/*}
	corpus="$bdir/corpus-$name"
	mkdir -p "$corpus"
	seeds=""
	if [ -d "tests/fuzz/seeds/${name#fuzz_}" ]; then
		seeds="tests/fuzz/seeds/${name#fuzz_}"
	elif [ "$name" = fuzz_stun_decode ]; then
		seeds="build-fuzz/seeds-$name"
		tests/fuzz/make-seeds.sh "$seeds" >/dev/null
	fi
	"$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
		"$corpus" $seeds 2>"$bdir/$name.log" ||
		{ tail -40 "$bdir/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
	echo "fuzz: $name $(grep -E '^stat::number_of_executed_units' "$bdir/$name.log" | awk '{print $2}') executions, no finding"
	fuzz_passed=$((fuzz_passed + 1))
done
echo "fuzz: $fuzz_passed passed, 0 failed"
