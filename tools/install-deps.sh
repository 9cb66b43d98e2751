#!/usr/bin/env bash
# Install the Debian packages turnpike builds, tests and runs with.
# One list, used by the README's two commands and by CI.  Needs root.
set -euo pipefail

packages=(
	# build
	gcc meson ninja-build pkg-config
	libdpdk-dev dpdk-dev libssl-dev libbpf-dev libcmocka-dev
	# the metrics port: an HTTP server library on OpenSSL
	libcivetweb-dev
	# the push API: HTTPS (libh2o's event loop), JSON, its durable store
	libh2o-evloop-dev libjansson-dev libsqlite3-dev
	# the fleet: Redis through hiredis; the fleet test runs a real
	# redis-server (redis-cli to look inside it)
	libhiredis-dev redis-server redis-tools
	# push-bench's load (tools/bench/push-load.c): an HTTPS client
	libcurl4-openssl-dev
	# sd_notify for the Type=notify unit: libsystemd; systemd-analyze for
	# the install test (JSON usage records use jansson, above)
	libsystemd-dev systemd
	# fuzzing (libFuzzer with ASan/UBSan)
	clang libclang-rt-14-dev
	# tools/check-format.sh: Debian 12's clang-format is version 14, the
	# one .clang-format was tuned for (it pulls in clang-format-14)
	clang-format
	# end-to-end tests and the demo: namespaces, veth, a real TURN client;
	# nftables for the stream tests' firewall rules; ping for the AF_XDP
	# test (the kernel answers beside turnpike)
	iproute2 ethtool coturn tshark nftables iputils-ping
	# sysctl in the sandbox, pgrep in relay-bench (not in Debian's base)
	procps
	# test scripts: an independent AES-GCM for the token interop test
	python3 python3-cryptography openssl
	# the browser test: a relay-only WebRTC call in headless Chromium
	chromium
	# tools/bench/relay-bench: its plot (dpdk-testpmd comes with dpdk-dev)
	gnuplot-nox
	# tools/bench/instr-count: instructions per packet under callgrind (CI
	# guards them); valgrind/callgrind.h for turnpike-dp-count
	valgrind
	# the metrics test: a real Prometheus server scrapes /metrics, and
	# promtool checks the format
	prometheus
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# coturn's package starts a turnserver on install on some systems; we only
# want its client tools, and a running one would hold port 3478.
systemctl stop coturn 2>/dev/null || true
# Likewise Debian's prometheus service: the metrics test runs its own.
systemctl stop prometheus 2>/dev/null || true
