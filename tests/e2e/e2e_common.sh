# SPDX-License-Identifier: BSD-3-Clause
#
# e2e_common.sh: what the end-to-end test scripts share, sourced after
# sandbox.sh: their command line and their tally.
#
#   e2e_args [--servers] "$@"  --workers N and BUILD_DIR (with --servers
#                              also --server turnpike|coturn) into $workers,
#                              $build and $server; a usage error exits 2.
#                              Whether BUILD_DIR is required is the
#                              script's to check.
#   ok TEXT, bad TEXT          count one result and print it
#   finish                     stop the server, print the totals, exit 0
#                              only if nothing failed

e2e_args() {
	local servers=0 usage
	if [ "${1:-}" = --servers ]; then
		servers=1
		shift
	fi
	usage="usage: $0 $([ "$servers" = 1 ] &&
		echo '[--server turnpike|coturn] ')[--workers N] BUILD_DIR"
	server=turnpike
	workers=1
	build=
	while [ $# -gt 0 ]; do
		case "$1" in
		--server)
			[ "$servers" = 1 ] ||
				{ echo "unknown option $1" >&2; exit 2; }
			server=$2
			shift 2 ;;
		--workers) workers=$2; shift 2 ;;
		-h|--help) echo "$usage"; exit 0 ;;
		-*) echo "unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
		*) build=$1; shift ;;
		esac
	done
	case "$server" in
	turnpike|coturn) ;;
	*) echo "bad --server" >&2; exit 2 ;;
	esac
	E2E_USAGE=$usage
}

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() {
	sb_server_stop
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# uclient over TLS.  Its reader takes what one SSL_read returns, one TLS
# record, as one message (coturn's recv_buffer), while turnpike's stream
# thread writes all a connection got in one turn as one record: when two
# echoes for one client meet in a turn (a loaded CI machine), uclient
# counts them as one and reports the other lost.  A shortfall is accepted
# only when turnpike's own counters show it handed every echo on:
#   e2e_stats_take FILE            turnpike-admin stats into FILE
#   e2e_tls_all_written B A N      between snapshots B and A the fast path
#                                  relayed at least N datagrams toward
#                                  clients and the stream thread dropped
#                                  none (data_out_lost, data_out_gone)
e2e_stats_take() {
	timeout -k 2 20 "$build/tools/turnpike-admin" -s "$SB_DIR/admin.sock" \
		-t 10 stats >"$1" 2>/dev/null
}
e2e_tls_all_written() {
	awk -F= -v n="$3" '
		FNR == 1 { f++ }
		{ v[f, $1] = $2 }
		END {
			back = v[2, "dp.relay_peer_to_channel"] + v[2, "dp.relay_peer_to_data"] \
			     - v[1, "dp.relay_peer_to_channel"] - v[1, "dp.relay_peer_to_data"]
			lost = v[2, "stream.data_out_lost"] - v[1, "stream.data_out_lost"] \
			     + v[2, "stream.data_out_gone"] - v[1, "stream.data_out_gone"]
			exit !(f == 2 && back >= n && lost == 0 && \
			       (2, "stream.data_out_lost") in v)
		}' "$1" "$2"
}
