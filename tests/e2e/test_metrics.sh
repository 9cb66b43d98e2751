#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of the metrics port (controlplane/cp_metrics_http.h):
# turnpike with `prometheus` on, scraped by a real Prometheus server
# (Debian's package) in the server's namespace, where the port listens on
# loopback.
#   - /live and /ready answer 200, /metrics passes `promtool check metrics`
#     and a POST gets 405;
#   - coturn's uclient relays through turnpike; then Prometheus's HTTP API
#     gives back turnpike_relayed_packets_total and
#     turnpike_relayed_bytes_total for both directions, at least what the
#     client sent, and the Allocate histogram's count;
#   - /ready turns 503 (or the port closes) once turnpike is told to stop.
# Each check is one pass/fail line (as test_uclient.sh); see sandbox.sh for
# the network.
#
# Usage: test_metrics.sh [--workers N] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no coturn tools,
# no prometheus, no curl).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
for tool in turnutils_uclient turnutils_peer prometheus promtool curl; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found"; exit 77; }
done

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

USER=metrics
PASS=metrics-e2e-pw
PEER_PORT=3480
MSGS=${E2E_MSGS:-40}
MPORT=9641
PPORT=19090 # Prometheus's own API, loopback of the server namespace

in_s() { sb_run_s "$@"; }
http() { # http URL [curl options]: status line and body in $SB_DIR/http.out
	local url=$1
	shift
	in_s curl -s -m 5 -o "$SB_DIR/http.body" -w '%{http_code}' "$@" \
		"$url" >"$SB_DIR/http.code" 2>/dev/null
	cat "$SB_DIR/http.code"
}

conf="$SB_DIR/metrics.conf"
cat >"$conf" <<EOF2
realm=e2e.turnpike.test
lt-cred-mech
user=$USER:$PASS
allowed-peer-ip=$SB_PEER1_IP
rfc5766-channel-numbers
prometheus
prometheus-address=127.0.0.1
prometheus-port=$MPORT
EOF2
sb_bg "$SB_NS_C" peer turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"
if ! sb_server_start turnpike "$conf" "$workers" "$build"; then
	bad "turnpike start"
	finish
fi
base="http://127.0.0.1:$MPORT"
for path in live ready; do
	code=$(http "$base/$path")
	if [ "$code" = 200 ]; then ok "/$path: 200"; else bad "/$path: $code"; fi
done
code=$(http "$base/metrics" -X POST)
if [ "$code" = 405 ]; then ok "POST /metrics: 405"; else bad "POST /metrics: $code"; fi

# Prometheus, scraping every second.
mkdir -p "$SB_DIR/prom"
cat >"$SB_DIR/prom.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: turnpike
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF2
SB_BG_TIMEOUT=300 sb_bg "$SB_NS_S" prometheus prometheus \
	--config.file="$SB_DIR/prom.yml" --storage.tsdb.path="$SB_DIR/prom" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn
prom_pid=$SB_BG_PID

# query EXPR: the value of a one-series instant query ("" if none).
query() {
	in_s curl -s -m 5 -G "http://127.0.0.1:$PPORT/api/v1/query" \
		--data-urlencode "query=$1" 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if len(r) == 1 else "")
except Exception:
    print("")'
}
up=
for _ in $(seq 1 60); do
	up=$(query 'up{job="turnpike"}')
	[ "$up" = 1 ] && break
	sleep 0.5
done
if [ "$up" = 1 ]; then ok "Prometheus scrapes turnpike (up=1)"; else bad "Prometheus: up=${up:-none}"; tail -5 "$SB_DIR/prometheus.log" | sed 's/^/    /'; fi

# Traffic, then the figures through Prometheus.
rc=0
SB_CMD_TIMEOUT=120 sb_run_c turnutils_uclient -L "$SB_CLIENT_IP" \
	-e "$SB_PEER1_IP" -r "$PEER_PORT" -z 20 -c -n "$MSGS" -u "$USER" \
	-w "$PASS" "$SB_SERVER_IP" >"$SB_DIR/uclient.log" 2>&1 || rc=$?
if grep -q "Total lost packets 0 " "$SB_DIR/uclient.log"; then
	ok "uclient: $MSGS relayed both ways (rc $rc)"
else
	bad "uclient: $(grep -E 'lost|tot_' "$SB_DIR/uclient.log" | tail -2)"
fi
code=$(http "$base/metrics")
if [ "$code" = 200 ] && in_s promtool check metrics <"$SB_DIR/http.body" \
	>"$SB_DIR/promtool.out" 2>&1; then
	ok "/metrics: 200, promtool check metrics passes"
else
	bad "/metrics: $code; promtool: $(head -3 "$SB_DIR/promtool.out")"
fi
want() { # want NAME EXPR MIN: Prometheus has EXPR >= MIN within 10 s
	local v=
	for _ in $(seq 1 20); do
		v=$(query "$2")
		[ -n "$v" ] && python3 -c "import sys; sys.exit(0 if float('$v') >= $3 else 1)" && break
		v=${v:-none}
		sleep 0.5
	done
	if [ -n "$v" ] && python3 -c "import sys; sys.exit(0 if float('$v') >= $3 else 1)" 2>/dev/null; then
		ok "$1: $2 = $v (>= $3)"
	else
		bad "$1: $2 = ${v:-none}, want >= $3"
	fi
}
want to-peer 'sum(turnpike_relayed_packets_total{direction="to_peer"})' "$MSGS"
want to-client 'sum(turnpike_relayed_packets_total{direction="to_client"})' "$MSGS"
want bytes 'sum(turnpike_relayed_bytes_total{direction="to_peer"})' "$((MSGS * 100))"
want allocate 'turnpike_allocate_duration_seconds_count' 1
want auth 'turnpike_auth_total{method="long_term",result="ok"}' 1
want created 'turnpike_allocations_created_total' 1

# Stopping: /ready says so, or the port is gone.
kill -TERM "$SB_SERVER_PID" 2>/dev/null
code=$(http "$base/ready")
case "$code" in
503|000) ok "/ready after SIGTERM: $code" ;;
*) bad "/ready after SIGTERM: $code" ;;
esac
sb_kill "$prom_pid"
finish
