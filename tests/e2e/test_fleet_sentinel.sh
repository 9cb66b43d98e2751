#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of a fleet's Redis behind Sentinel (redis_conf.h's
# sentinel= and master=, redis_link.h): a master, its replica and one
# Sentinel (quorum 1), real redis-server processes on the server
# namespace's loopback, and one turnpike relay whose redis-userdb names
# the Sentinel only.
#   - the relay finds the master through the Sentinel and joins;
#   - a pushed user reaches the master and its replica;
#   - the master is SIGKILLed: the Sentinel promotes the replica, the
#     relay moves to it by itself (its log names the new server), keeps
#     allocating meanwhile, and a push after the failover lands on the new
#     master; the user pushed before it is still there and authenticates.
# Each check is one pass/fail line.  See sandbox.sh for the network.
#
# Usage: test_fleet_sentinel.sh [--workers N] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no redis-server).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
for tool in redis-server redis-cli; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found"; exit 77; }
done

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=sentinel.turnpike.test
BASE=$((20000 + RANDOM % 20000))
P_MASTER=$BASE
P_REPLICA=$((BASE + 1))
P_SENTINEL=$((BASE + 2))
ADMIN="$build/tools/turnpike-admin"
CLIENT="$here/fleet_client.py"
SOCK="$SB_DIR/admin.sock"

fc() { SB_CMD_TIMEOUT=40 sb_run_c python3 "$CLIENT" "$@" 2>&1; }
adm() { timeout -k 2 20 "$ADMIN" -s "$SOCK" -t 10 "$@" 2>&1 | tr '\n' ' '; }
stat_of() {
	timeout -k 2 20 "$ADMIN" -s "$SOCK" -t 10 stats 2>&1 | sed -n "s/^$1=//p"
}
rcli() { # PORT ARGS...
	local port=$1
	shift
	SB_CMD_TIMEOUT=10 sb_run_s redis-cli -p "$port" "$@" 2>/dev/null
}
wait_for() { # SECONDS COMMAND...: until COMMAND succeeds
	local n=$(($1 * 5))
	shift
	for _ in $(seq 1 "$n"); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
redis_up() { rcli "$1" PING | grep -q PONG; }
replica_linked() { rcli "$P_REPLICA" INFO replication | grep -q master_link_status:up; }
# The Sentinel learns of replicas from the master's INFO (every 10 s): a
# failover before that finds no replica to promote.
sentinel_knows_replica() {
	rcli "$P_SENTINEL" SENTINEL replicas fleet | grep -qx "127.0.0.1:$P_REPLICA"
}
joined() { [ "$(stat_of fleet.redis_up)" = 1 ]; }
on_replica() { rcli "$P_REPLICA" EXISTS "$1" | grep -qx 1; }

# A master and its replica, both durable; the Sentinel decides after 1 s.
for role in master replica; do
	mkdir -p "$SB_DIR/$role"
done
sb_bg "$SB_NS_S" redis-master redis-server --bind 127.0.0.1 \
	--port "$P_MASTER" --dir "$SB_DIR/master" --save '' \
	--appendonly yes --appendfsync always --daemonize no
sb_bg "$SB_NS_S" redis-replica redis-server --bind 127.0.0.1 \
	--port "$P_REPLICA" --dir "$SB_DIR/replica" --save '' \
	--appendonly yes --appendfsync always --daemonize no \
	--replicaof 127.0.0.1 "$P_MASTER"
cat >"$SB_DIR/sentinel.conf" <<EOF
bind 127.0.0.1
port $P_SENTINEL
dir $SB_DIR
sentinel monitor fleet 127.0.0.1 $P_MASTER 1
sentinel down-after-milliseconds fleet 1000
sentinel failover-timeout fleet 10000
EOF
sb_bg "$SB_NS_S" sentinel redis-server "$SB_DIR/sentinel.conf" --sentinel

if wait_for 10 redis_up "$P_MASTER" && wait_for 10 redis_up "$P_REPLICA" &&
	wait_for 10 redis_up "$P_SENTINEL" &&
	wait_for 15 replica_linked && wait_for 20 sentinel_knows_replica; then
	ok "a master, its replica and a Sentinel that knows both are up"
else
	bad "Redis did not come up"
	log_tail "$SB_DIR/redis-replica.log"
	finish
fi

cat >"$SB_DIR/relay.conf" <<EOF
realm=$REALM
min-port=49152
max-port=49999
lt-cred-mech
user=carol:carol-file-pw-77
user-quota=4
log-level=debug
redis-userdb="sentinel=127.0.0.1:$P_SENTINEL master=fleet dbname=0 connect_timeout=2"
fleet-id=relay-s
fleet-lease=2
EOF
export SB_IDLE_SLEEP_US=200
if ! sb_server_start turnpike "$SB_DIR/relay.conf" 1 "$build"; then
	bad "the relay did not start"
	finish
fi
LOG=$SB_SERVER_LOG
if wait_for 10 joined; then
	ok "the relay joined through the Sentinel"
else
	bad "fleet.redis_up=$(stat_of fleet.redis_up)"
	log_tail "$LOG"
fi
grep -q "fleet.redis_up link=userdb server=127.0.0.1:$P_MASTER db=0 via=sentinel" "$LOG" &&
	ok "its log names the master the Sentinel gave (:$P_MASTER)" ||
	{ bad "no fleet.redis_up line naming :$P_MASTER"; log_tail "$LOG"; }

out=$(adm user-add alice alice-pw-1)
wait_for 5 on_replica "turn/realm/$REALM/user/alice/key" &&
	ok "alice pushed ($out), on the master and its replica" ||
	bad "alice not replicated ($out)"
r=$(fc allocate "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" alice alice-pw-1)
case $r in 200*) ok "alice allocates: $r" ;; *) bad "alice: $r" ;; esac

# ---- failover ----
# The server itself (its title), not the timeout(1) and ip-netns wrappers.
m_pid=$(pgrep -f "^redis-server 127.0.0.1:$P_MASTER" | head -n 1)
t0=$(date +%s%N)
[ -n "$m_pid" ] && kill -KILL "$m_pid" && ok "the master SIGKILLed" ||
	bad "no master process to kill"
promoted() {
	rcli "$P_SENTINEL" SENTINEL get-master-addr-by-name fleet |
		grep -qx "$P_REPLICA"
}
if wait_for 30 promoted; then
	ok "the Sentinel promoted the replica after $((($(date +%s%N) - t0) / 1000000)) ms"
else
	bad "no failover"
	log_tail "$SB_DIR/sentinel.log"
fi
r=$(fc allocate "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" alice alice-pw-1)
case $r in 200*) ok "during the failover alice still allocates: $r" ;;
*) bad "during the failover alice: $r" ;; esac
moved() {
	grep -q "fleet.redis_up link=userdb server=127.0.0.1:$P_REPLICA db=0 via=sentinel" "$LOG" &&
		[ "$(stat_of fleet.redis_up)" = 1 ]
}
if wait_for 20 moved; then
	ok "the relay moved to the new master by itself after $((($(date +%s%N) - t0) / 1000000)) ms"
else
	bad "the relay did not move to :$P_REPLICA (fleet.redis_up=$(stat_of fleet.redis_up))"
	log_tail "$LOG"
fi
out=
for _ in $(seq 1 20); do
	out=$(adm user-add bob bob-pw-2)
	case $out in *"Redis is down"*) sleep 0.5 ;; *) break ;; esac
done
rcli "$P_REPLICA" EXISTS "turn/realm/$REALM/user/bob/key" | grep -qx 1 &&
	ok "a push after the failover lands on the new master ($out)" ||
	bad "bob not on the new master ($out)"
rcli "$P_REPLICA" EXISTS "turn/realm/$REALM/user/alice/key" | grep -qx 1 &&
	ok "alice, pushed before the failover, is on the new master" ||
	bad "alice lost in the failover"
r=$(fc allocate "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" bob bob-pw-2)
case $r in 200*) ok "bob allocates: $r" ;; *) bad "bob: $r" ;; esac

sb_server_stop
grep -qE 'ERROR: AddressSanitizer|runtime error' "$LOG" &&
	bad "a sanitizer report in the relay's log" || ok "no sanitizer report"
finish
