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
#   e2e_uclient_summary LOG    turnutils_uclient's summary in LOG
#   e2e_tls_shortfall ...      a TLS shortfall uclient reports, accepted
#                              (below)

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

# log_tail FILE: the last 15 lines of a server's log, DPDK's start-up
# chatter left out, framed, for a failure's context.
log_tail() {
	echo "---- $1, last 15 lines:"
	grep -vE '^(EAL|TELEMETRY):' "$1" | tail -n 15 | sed 's/^/    /'
	echo "----"
}

# e2e_uclient_summary LOG: the last summary turnutils_uclient wrote to LOG
# into $uc_sent, $uc_recv and $uc_lost (messages sent, echoes received,
# "Total lost packets"); returns 1, with the missing ones empty, when it
# wrote none.
e2e_uclient_summary() {
	uc_sent=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=.*/\1/p' "$1" | tail -n 1)
	uc_recv=$(sed -n 's/.*start_mclient: tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\)$/\1/p' "$1" | tail -n 1)
	uc_lost=$(sed -n 's/.*Total lost packets \([0-9]*\) .*/\1/p' "$1" | tail -n 1)
	[ -n "$uc_sent" ] && [ -n "$uc_recv" ] && [ -n "$uc_lost" ]
}

# uclient over TLS.  Its reader takes what one SSL_read returns, one TLS
# record, as one message (coturn's recv_buffer), while turnpike's stream
# thread writes all a connection got in one turn as one record: when two
# echoes for one client meet in a turn (a loaded CI machine), uclient
# counts them as one and reports the other lost.  A shortfall is accepted
# only when turnpike's own counters show it handed every echo on:
#   e2e_stats_take FILE            turnpike-admin stats into FILE
#   e2e_tls_all_written B A N C    between snapshots B and A the fast path
#                                  relayed at least N datagrams toward
#                                  clients, the stream thread dropped none
#                                  for a full buffer (data_out_lost) and
#                                  at most C for a closed connection
#                                  (data_out_gone: every uclient client's
#                                  last answer can arrive after it closed,
#                                  in clean runs too)
#   e2e_tls_shortfall NAME N T0 [C]  after e2e_uclient_summary, for a run
#                                  of C clients (1) named NAME asked for N
#                                  messages and
#                                  begun when $SECONDS was T0, with
#                                  $SB_DIR/pre-NAME.stats taken before it:
#                                  whether uclient sent all N, counted some
#                                  lost (received + lost = sent, some
#                                  received) and turnpike's counters since
#                                  show every echo handed on; if so prints
#                                  the ok line and returns 0
e2e_stats_take() {
	timeout -k 2 20 "$build/tools/turnpike-admin" -s "$SB_DIR/admin.sock" \
		-t 10 stats >"$1" 2>/dev/null
}
e2e_tls_all_written() {
	awk -F= -v n="$3" -v clients="${4:-0}" '
		FNR == 1 { f++ }
		{ v[f, $1] = $2 }
		END {
			back = v[2, "dp.relay_peer_to_channel"] + v[2, "dp.relay_peer_to_data"] \
			     - v[1, "dp.relay_peer_to_channel"] - v[1, "dp.relay_peer_to_data"]
			lost = v[2, "stream.data_out_lost"] - v[1, "stream.data_out_lost"]
			gone = v[2, "stream.data_out_gone"] - v[1, "stream.data_out_gone"]
			exit !(f == 2 && back >= n && lost == 0 && gone <= clients && \
			       (2, "stream.data_out_lost") in v)
		}' "$1" "$2"
}
e2e_tls_shortfall() {
	local name=$1 expect=$2 t0=$3 clients=${4:-1}
	[ "$uc_lost" -ne 0 ] && [ "$uc_recv" -gt 0 ] &&
		[ "$uc_sent" -eq "$expect" ] &&
		[ "$((uc_recv + uc_lost))" -eq "$uc_sent" ] &&
		e2e_stats_take "$SB_DIR/post-$name.stats" &&
		e2e_tls_all_written "$SB_DIR/pre-$name.stats" \
			"$SB_DIR/post-$name.stats" "$expect" "$clients" || return 1
	ok "$name: $uc_sent sent, uclient counted $uc_recv echoed and $uc_lost lost, but turnpike relayed all $expect back and its stream thread dropped none for a full buffer: TLS records holding two echoes, which uclient reads as one ($((SECONDS - t0)) s)"
}
