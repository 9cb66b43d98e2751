#!/bin/sh
# Seed corpus for fuzz_stun_decode: one file per UDP payload of the
# Chromium/coturn capture (STUN and ChannelData).  Needs tshark.
#   tests/fuzz/make-seeds.sh [CAPTURE] OUTDIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 2 ]; then
	cap=$1
	out=$2
elif [ $# -eq 1 ]; then
	cap=$here/../data/chromium-relay-via-coturn.pcap
	out=$1
else
	echo "usage: $0 [CAPTURE] OUTDIR" >&2
	exit 2
fi
command -v tshark >/dev/null || { echo "tshark not found" >&2; exit 1; }
mkdir -p "$out"

# Hex to bytes without depending on xxd.
unhex() {
	if command -v xxd >/dev/null; then
		xxd -r -p
	else
		python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'
	fi
}

tshark -r "$cap" -T fields -e frame.number -e udp.payload 2>/dev/null |
while read -r frame hex; do
	[ -n "$hex" ] || continue
	printf '%s' "$hex" | tr -d ':' | unhex >"$out/frame-$frame"
done
# RFC 5769 sections 2.1 and 2.3: FINGERPRINT, an unknown
# comprehension-required attribute (PRIORITY), IPv6, non-zero padding.
v21="000100582112a442b7e7a701bc34d686fa87dfae"
v21="${v21}802200105354554e207465737420636c69656e74"
v21="${v21}002400046e0001ff80290008932ff9b151263b36"
v21="${v21}000600096576746a3a6836765920202000080014"
v21="${v21}9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
v21="${v21}80280004e57a3bcf"
printf '%s' "$v21" | unhex >"$out/rfc5769-2.1"
v23="010100482112a442b7e7a701bc34d686fa87dfae"
v23="${v23}8022000b7465737420766563746f722000200014"
v23="${v23}0002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
v23="${v23}00080014a382954e4be67bf11784c97c8292c275"
v23="${v23}bfe3ed4180280004c8fb0b4c"
printf '%s' "$v23" | unhex >"$out/rfc5769-2.3"
echo "$(ls "$out" | wc -l) seeds in $out"
