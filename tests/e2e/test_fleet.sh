#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of a fleet (controlplane/fleet.h, cp_fleet.h): two
# turnpike relays, A and B, one worker each, and a real redis-server, all
# in the sandbox's server namespace (Redis on its loopback, append-only
# file fsynced on every write); A on the sandbox's veth, B on a second
# veth and /24 of its own; clients and peers in the client namespace.
#   - a user pushed on A (admin socket) allocates on B within a second;
#     one pushed on B allocates on A; a delete on A refuses it on B;
#   - a user and a REST shared secret pushed over A's HTTPS push API
#     (answered once Redis has them) authenticate on B;
#   - B's redis-statsdb: an allocation relayed then deleted is published
#     on coturn's topics with coturn's texts (new, deleted, total_traffic),
#     its status key SET while it lives and deleted with it; one made
#     while Redis is down is published once it is back;
#   - each relay publishes its load (allocations, relayed datagrams/s, the
#     busiest worker's): A reads B's while B relays a burst;
#   - user-quota=2 filled across A and B, then 486 on either;
#   - A at fleet-shed-allocations (4) sends a new Allocate to B (300 with B's
#     ALTERNATE-SERVER);
#   - A is SIGKILLed: its quota frees on B within fleet-lease (the time
#     taken is printed: "dead relay's quota freed after N s");
#   - Redis stops: B reports fleet.redis_up=0, keeps relaying, allocates
#     with cached credentials, refuses an admin push it cannot share; a
#     user pushed just before the stop is in Redis after the restart
#     (B's metrics port shows turnpike_fleet_redis_up 0, then 1)
#     (nothing acknowledged lost); B reconnects, reconciles, redis_up=1;
#   - Redis slow (DEBUG SLEEP 3): B allocates within its timeouts,
#     counting alone, and is back on Redis once it wakes; a push the admin
#     socket acknowledged while it slept reaches it then;
#   - garbage in Redis (a bad key, a 1 MiB string, a bad announcement, a
#     relay's bad load) is refused with a log line; B lives on.
# Each check is one pass/fail line.  See sandbox.sh for the network.
#
# Usage: test_fleet.sh [--workers N] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no redis-server).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"
. "$here/pki.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
for tool in redis-server redis-cli curl openssl; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found"; exit 77; }
done

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=fleet.turnpike.test
LEASE=2
RPORT=$((20000 + RANDOM % 20000))
ADMIN="$build/tools/turnpike-admin"
CLIENT="$here/fleet_client.py"
SOCK_A="$SB_DIR/admin.sock"
SOCK_B="$SB_DIR/admin-b.sock"
FILEPW=carol-file-pw-$RANDOM$RANDOM
PUSH_PORT=$((40000 + RANDOM % 10000))
METRICS_PORT=$((50000 + RANDOM % 10000))
PKI="$SB_DIR/pki"

# Relay B's own link: a second veth and /24 (the third octet next to A's).
NET_B="${SB_NET%.*}.$(((${SB_NET##*.} + 1) % 256))"
B_IP="$NET_B.1"
B_CLIENT="$NET_B.2"
B_PEER="$NET_B.3"
timeout 10 ip -n "$SB_NS_S" link add tpks1 type veth peer name tpkc1 \
	netns "$SB_NS_C" &&
	timeout 10 ip netns exec "$SB_NS_S" ethtool -K tpks1 tx off rx off \
		>/dev/null &&
	timeout 10 ip netns exec "$SB_NS_C" ethtool -K tpkc1 tx off rx off \
		>/dev/null &&
	timeout 10 ip netns exec "$SB_NS_S" sysctl -qw \
		net.ipv6.conf.tpks1.disable_ipv6=1 >/dev/null &&
	timeout 10 ip -n "$SB_NS_C" addr add "$B_CLIENT/24" dev tpkc1 &&
	timeout 10 ip -n "$SB_NS_C" addr add "$B_PEER/24" dev tpkc1 &&
	timeout 10 ip -n "$SB_NS_S" link set tpks1 up &&
	timeout 10 ip -n "$SB_NS_C" link set tpkc1 up ||
	{ echo "FAIL relay B's link"; echo "0 passed, 1 failed"; exit 1; }

# fc ARGS...: the client, in the client namespace (bounded).
fc() {
	SB_CMD_TIMEOUT=40 sb_run_c python3 "$CLIENT" "$@" 2>&1
}

# adm SOCK ARGS...: turnpike-admin; prints its answer.
adm() {
	local sock=$1
	shift
	timeout -k 2 20 "$ADMIN" -s "$sock" -t 10 "$@" 2>&1
}

# push PATH BODY: POST to A's push API with the eP-CSCF's certificate;
# prints the HTTP status.
push() {
	sb_run_s curl -s -m 10 -o "$SB_DIR/push.body" -w '%{http_code}' \
		--cacert "$PKI/ca.pem" --cert "$PKI/pcscf.pem" \
		--key "$PKI/pcscf.key" -H 'Content-Type: application/json' \
		--data-binary "$2" "https://127.0.0.1:$PUSH_PORT$1" 2>/dev/null
}

# metric NAME: B's value of NAME on its metrics port.
metric() {
	sb_run_s curl -s -m 5 "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null |
		sed -n "s/^$1 //p"
}

# wait_metric NAME VALUE: until B's metrics show it (at most 3 s: the
# snapshot behind them is taken every 250 ms).
wait_metric() {
	local i
	for i in $(seq 1 15); do
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

stat_of() { # SOCK KEY
	adm "$1" stats | sed -n "s/^$2=//p"
}

# wait_stat SOCK KEY VALUE SECONDS: until stats show KEY=VALUE.
wait_stat() {
	local i
	for i in $(seq 1 $(($4 * 5))); do
		[ "$(stat_of "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	return 1
}

redis_start() {
	mkdir -p "$SB_DIR/redis"
	sb_bg "$SB_NS_S" "redis-$1" redis-server --bind 127.0.0.1 \
		--port "$RPORT" --dir "$SB_DIR/redis" --save '' \
		--appendonly yes --appendfsync always --daemonize no \
		--enable-debug-command local
	REDIS_PID=$SB_BG_PID
	local i
	for i in $(seq 1 50); do
		rcli PING 2>/dev/null | grep -q PONG && return 0
		sleep 0.1
	done
	return 1
}
rcli() { SB_CMD_TIMEOUT=10 sb_run_s redis-cli -p "$RPORT" "$@"; }

common_conf() { # FILE ID SHED
	cat >"$1" <<EOF
realm=$REALM
server-name=turn.$REALM
min-port=49152
max-port=49999
lt-cred-mech
user=carol:$FILEPW
use-auth-secret
static-auth-secret=file-secret-$RANDOM$RANDOM
user-quota=2
rfc5766-channel-numbers
log-level=debug
redis-userdb="ip=127.0.0.1 port=$RPORT dbname=0 connect_timeout=2"
fleet-id=$2
fleet-lease=$LEASE
fleet-shed-allocations=$3
EOF
}

# Relay B by hand (sb_server_start knows one relay): tpks1, its own
# address, admin socket and DPDK file prefix.
relay_b_start() {
	local conf="$SB_DIR/turnpike-b.conf" prefix="${SB_ID}-b"
	common_conf "$conf" relay-b 0
	cat >>"$conf" <<EOF
listening-ip=$B_IP
relay-ip=$B_IP
listening-port=$SB_TURN_PORT
local-network=$NET_B.0/24
allowed-peer-ip=$B_PEER
admin-socket=$SOCK_B
redis-statsdb="ip=127.0.0.1 port=$RPORT dbname=0 connect_timeout=2"
prometheus
prometheus-address=127.0.0.1
prometheus-port=$METRICS_PORT
EOF
	SB_DPDK_PREFIXES+=("$prefix")
	sb_bg "$SB_NS_S" relay-b "$build/tools/turnpike" \
		--lcores "$(_sb_lcores 1)" --no-huge -m 1024 --no-pci \
		--file-prefix "$prefix" \
		--vdev "net_af_packet1,iface=tpks1,qpairs=1" \
		-- -c "$conf" --stats-interval 5 --idle-sleep-us 200
	B_PID=$SB_BG_PID
	sb_wait_udp "$SB_NS_C" "$B_IP" "$SB_TURN_PORT" 30
}

echo "# fleet e2e: relays A ($SB_SERVER_IP) and B ($B_IP), redis :$RPORT, lease ${LEASE}s"
redis_start 0 || { bad "redis-server did not start"; log_tail "$SB_DIR/redis-0.log"; finish; }
ok "redis-server up (appendonly, appendfsync always)"

mkdir -p "$PKI"
pki_ca ca && pki_cert server ca "turn.$REALM" "subjectAltName=IP:127.0.0.1" &&
	pki_cert pcscf ca "pcscf.$REALM" "extendedKeyUsage=clientAuth" ||
	{ bad "cannot make certificates"; finish; }
common_conf "$SB_DIR/a.conf" relay-a 4
cat >>"$SB_DIR/a.conf" <<EOF
push-listen=127.0.0.1:$PUSH_PORT
push-cert=$PKI/server.pem
push-pkey=$PKI/server.key
push-client-ca=$PKI/ca.pem
EOF
export SB_IDLE_SLEEP_US=200
if ! sb_server_start turnpike "$SB_DIR/a.conf" 1 "$build"; then
	bad "relay A did not start"
	finish
fi
A_LOG=$SB_SERVER_LOG
A_PREFIX=$SB_SERVER_PREFIX
if ! relay_b_start; then
	bad "relay B did not start"
	log_tail "$SB_DIR/relay-b.log"
	finish
fi
B_LOG="$SB_DIR/relay-b.log"
if wait_stat "$SOCK_A" fleet.redis_up 1 10 &&
	wait_stat "$SOCK_B" fleet.redis_up 1 10; then
	ok "both relays joined the fleet (fleet.redis_up=1)"
else
	bad "fleet.redis_up not 1 on both"
	log_tail "$A_LOG"
	log_tail "$B_LOG"
fi
# Each sees the other once their leases are in (peers read every 1 s).
wait_stat "$SOCK_A" fleet.peers 1 5 && wait_stat "$SOCK_B" fleet.peers 1 5 &&
	ok "each relay sees one live peer" ||
	bad "fleet.peers: A $(stat_of "$SOCK_A" fleet.peers) B $(stat_of "$SOCK_B" fleet.peers)"

# ---- credentials pushed on one relay, used on the other ----
out=$(adm "$SOCK_A" user-add alice alice-pw-7781)
t=$(fc until-ok "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" alice alice-pw-7781 3)
case $t in
ok*) secs=$(echo "$t" | cut -d' ' -f2)
	if awk -v s="$secs" 'BEGIN { exit !(s <= 1.0) }'; then
		ok "pushed on A, allocated on B after ${secs} s (<= 1 s)"
	else
		bad "pushed on A, usable on B only after ${secs} s"
	fi ;;
*) bad "pushed on A ($out), B: $t"; log_tail "$B_LOG" ;;
esac
rcli EXISTS "turn/realm/$REALM/user/alice/key" | grep -qx 1 &&
	ok "alice is in Redis under coturn's key" ||
	bad "turn/realm/$REALM/user/alice/key missing"
rcli GET "turn/realm/$REALM/user/alice/key" | grep -q alice-pw &&
	bad "a password reached Redis" || ok "no password in Redis (MD5 key only)"

# ---- the HTTPS push API on A ----
code=$(push /v1/credentials '{"username":"henry","password":"henry-pw-3141"}')
t=$(fc until-ok "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" henry henry-pw-3141 3)
case "$code $t" in
201\ ok*) ok "HTTPS push on A answered $code, henry allocated on B ($t)" ;;
*) bad "HTTPS push on A: $code $(head -c 200 "$SB_DIR/push.body"), B: $t"
	log_tail "$A_LOG" ;;
esac
code=$(push /v1/secrets '{"id":"2026-12","secret":"fleet-shared-secret-77"}')
rest_user="$(($(date +%s) + 3600)):ivy"
rest_pw=$(printf '%s' "$rest_user" |
	openssl dgst -sha1 -hmac fleet-shared-secret-77 -binary | base64)
t=$(fc until-ok "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" "$rest_user" "$rest_pw" 3)
case "$code $t" in
201\ ok*) ok "a REST secret pushed on A ($code) authenticates on B ($t)" ;;
*) bad "REST secret pushed on A: $code $(head -c 200 "$SB_DIR/push.body"), B: $t" ;;
esac

# ---- allocation status and traffic on B's redis-statsdb, coturn's topics
# and texts: a subscriber sees "new", "deleted" and the totals ----
sb_bg "$SB_NS_S" statsdb-sub stdbuf -oL redis-cli -p "$RPORT" \
	PSUBSCRIBE "turn/realm/$REALM/user/*"
SUB_LOG="$SB_DIR/statsdb-sub.log"
for i in $(seq 1 25); do
	grep -q psubscribe "$SUB_LOG" 2>/dev/null && break
	sleep 0.2
done
r=$(fc relay "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" henry henry-pw-3141 "$B_PEER" delete)
[ "$r" = "relayed deleted" ] && ok "henry relays on B and deletes (Refresh 0)" ||
	bad "henry on B: $r"
# pmessage, pattern, topic, text: one line each (mawk: no {n} in regexes).
sub_text() { # TOPIC-REGEX TEXT-REGEX: the topic of the first such message
	awk -v t="^$1\$" -v m="$2" 'prev ~ t && $0 ~ m { print prev; exit }
		{ prev = $0 }' "$SUB_LOG"
}
topic=
for i in $(seq 1 15); do
	topic=$(sub_text "turn/realm/$REALM/user/henry/allocation/[0-9]+/status" '^deleted$')
	[ -n "$topic" ] && break
	sleep 0.2
done
base=${topic%/status}
id=${base##*/}
[ ${#id} = 18 ] && ok "statsdb: the allocation's id is 18 digits ($id)" ||
	bad "statsdb: the allocation's id '$id'"
said_new=$(awk -v t="$topic" 'prev == t && /^new / { print; exit } { prev = $0 }' \
	"$SUB_LOG")
case $said_new in
"new lifetime=600, type=UDP, local=$B_IP:$SB_TURN_PORT, remote=$B_CLIENT:"[0-9]*", ssl=NONE, cipher=NONE")
	ok "statsdb: $topic said '$said_new', then deleted" ;;
*) bad "statsdb: henry's new/deleted: topic '$topic', new '$said_new'"
	tail -n 20 "$SUB_LOG" | sed 's/^/    /' ;;
esac
total=$(awk -v t="$base/total_traffic" 'prev == t { print; exit } { prev = $0 }' "$SUB_LOG")
case $total in
"rcvp="[1-9]*", rcvb="[1-9]*", sentp="[1-9]*", sentb="[1-9]*)
	ok "statsdb: total_traffic $total" ;;
*) bad "statsdb: total_traffic '$total'" ;;
esac
[ -n "$topic" ] && [ "$(rcli EXISTS "$topic")" = 0 ] &&
	ok "statsdb: the deleted allocation's status key is gone" ||
	bad "statsdb: $topic still in Redis"
live=$(rcli --scan --pattern "turn/realm/$REALM/user/henry/allocation/*/status" | head -1)
case $(rcli GET "${live:-none}") in
"new lifetime=600, type=UDP,"*) ok "statsdb: henry's live allocation has its status key" ;;
*) bad "statsdb: no status key for henry's live allocation ('$live')" ;;
esac
p=$(stat_of "$SOCK_B" statsdb.published)
[ "${p:-0}" -ge 4 ] && ok "B counts statsdb.published=$p" ||
	bad "B's statsdb.published=${p:-?}"

# ---- each relay publishes its load; the other reads it: B relays a
# burst (4000 Send indications over 2-3 s), A sees B's relayed_pps ----
sb_bg "$SB_NS_C" burst-b python3 "$CLIENT" relay "$B_IP" "$SB_TURN_PORT" \
	"$B_CLIENT" henry henry-pw-3141 "$B_PEER" burst=4000 delete
burst_pid=$SB_BG_PID
peer_line=
for i in $(seq 1 25); do
	peer_line=$(adm "$SOCK_A" stats | grep '^fleet\.peer\.relay-b/')
	pps=$(echo "$peer_line" | sed -n 's/.* relayed_pps=\([0-9]*\) .*/\1/p')
	[ "${pps:-0}" -gt 0 ] && break
	sleep 0.2
done
[ "${pps:-0}" -gt 0 ] && ok "A reads B's published load: ${peer_line#fleet.peer.}" ||
	bad "A's view of B: '$peer_line'"
for i in $(seq 1 15); do
	own=$(stat_of "$SOCK_B" fleet.busiest_worker_pps)
	[ "${own:-0}" -gt 0 ] && break
	sleep 0.2
done
[ "${own:-0}" -gt 0 ] && ok "B's busiest worker relays $own datagrams/s (1 worker)" ||
	bad "B's fleet.busiest_worker_pps=${own:-?}"
wait "$burst_pid"
[ "$(cat "$SB_DIR/burst-b.log")" = "relayed deleted" ] ||
	bad "B's burst client: $(cat "$SB_DIR/burst-b.log")"

# ---- quota 2 across the fleet ----
r=$(fc allocate "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" alice alice-pw-7781)
case $r in 200*) ok "alice's 2nd allocation, on A: $r" ;;
*) bad "alice's 2nd allocation on A: $r"; log_tail "$A_LOG" ;; esac
r=$(fc allocate "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" alice alice-pw-7781)
[ "$r" = 486 ] && ok "alice's 3rd, on A: 486 (quota 2 counted across A and B)" ||
	bad "alice's 3rd on A: $r, want 486"
r=$(fc allocate "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" alice alice-pw-7781)
[ "$r" = 486 ] && ok "alice's 3rd, on B: 486" || bad "alice's 3rd on B: $r, want 486"
d=$(stat_of "$SOCK_A" fleet.quota_denied)
[ "${d:-0}" -ge 1 ] && ok "A counts fleet.quota_denied=$d" ||
	bad "A's fleet.quota_denied=${d:-?}"

# ---- the other way, and a delete ----
adm "$SOCK_B" user-add bob bob-pw-1193 >/dev/null
t=$(fc until-ok "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" bob bob-pw-1193 3)
case $t in ok*) ok "pushed on B, allocated on A ($t)" ;;
*) bad "pushed on B, A: $t"; log_tail "$A_LOG" ;; esac
out=$(adm "$SOCK_A" user-del bob)
t=$(fc until-refused "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" bob bob-pw-1193 3 401)
case $t in ok*) ok "deleted on A ($out), refused on B: $t" ;;
*) bad "deleted on A ($out), B still: $t" ;; esac

# ---- shedding: A (alice, bob, and carol twice) at fleet-shed-allocations=4;
# B holds 3 (alice, henry, ivy), under it ----
for i in 1 2; do
	r=$(fc allocate "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" carol "$FILEPW")
	case $r in 200*) ;; *) bad "carol's allocation $i on A: $r" ;; esac
done
r=$(fc allocate "$SB_SERVER_IP" "$SB_TURN_PORT" "$SB_CLIENT_IP" carol "$FILEPW")
[ "$r" = "300 alt=$B_IP:$SB_TURN_PORT" ] &&
	ok "A at its shedding load sends carol to B: $r" ||
	bad "A at its shedding load answered '$r', want 300 alt=$B_IP:$SB_TURN_PORT"

# ---- a dead relay's quota ----
# The relay itself, not the timeout(1) and ip-netns wrappers around it.
a_pid=$(pgrep -f -- "^[^ ]*tools/turnpike .*--file-prefix $A_PREFIX " |
	head -n 1)
if [ -n "$a_pid" ] && kill -KILL "$a_pid"; then
	t=$(fc until-ok "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" alice alice-pw-7781 $((LEASE * 4)))
	case $t in
	ok*) secs=$(echo "$t" | cut -d' ' -f2)
		echo "# dead relay's quota freed after $secs s (fleet-lease=$LEASE s)"
		if awk -v s="$secs" -v l="$LEASE" 'BEGIN { exit !(s <= l + 1.5) }'; then
			ok "A SIGKILLed: alice's quota freed on B after $secs s (lease $LEASE s)"
		else
			bad "A SIGKILLed: freed only after $secs s"
		fi ;;
	*) bad "A SIGKILLed: B never freed alice's quota: $t"; log_tail "$B_LOG" ;;
	esac
else
	bad "no relay A process to kill"
fi
SB_SERVER_PID= # gone

# ---- Redis trouble ----
adm "$SOCK_B" user-add dave dave-pw-5531 >/dev/null
# eve: pushed, and in Redis (the admin socket answers once the write is
# queued; the HTTPS API once Redis has it), just before Redis stops.
adm "$SOCK_B" user-add eve eve-pw-0042 >/dev/null
for i in $(seq 1 20); do
	rcli EXISTS "turn/realm/$REALM/user/eve/key" | grep -qx 1 && break
	sleep 0.1
done
sb_kill "$REDIS_PID"
if wait_stat "$SOCK_B" fleet.redis_up 0 10; then
	ok "Redis stopped: B reports fleet.redis_up=0"
else
	bad "Redis stopped, B's fleet.redis_up=$(stat_of "$SOCK_B" fleet.redis_up)"
fi
wait_metric turnpike_fleet_redis_up 0 &&
	ok "B's metrics: turnpike_fleet_redis_up 0" ||
	bad "B's metrics: turnpike_fleet_redis_up '$(metric turnpike_fleet_redis_up)'"
grep -q 'fleet.redis_down\|redis_down' "$B_LOG" &&
	ok "B logged the lost Redis" || bad "no redis_down line in B's log"
r=$(fc relay "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" dave dave-pw-5531 "$B_PEER")
[ "$r" = relayed ] && ok "without Redis: dave (cached) allocates and relays on B" ||
	{ bad "without Redis, dave on B: $r"; log_tail "$B_LOG"; }
out=$(adm "$SOCK_B" user-add frank frank-pw-9)
case $out in *"Redis is down"*) ok "without Redis: an admin push is refused ($out)" ;;
*) bad "without Redis, user-add answered: $out" ;; esac
kill -0 "$B_PID" 2>/dev/null && ok "B alive through the outage" || bad "B died"
wait_metric turnpike_statsdb_redis_up 0 &&
	ok "B's metrics: turnpike_statsdb_redis_up 0 (dave's news wait)" ||
	bad "B's metrics: turnpike_statsdb_redis_up '$(metric turnpike_statsdb_redis_up)'"
redis_start 1 || bad "redis-server did not restart"
if wait_stat "$SOCK_B" fleet.redis_up 1 15; then
	ok "Redis back: B reconnected (fleet.redis_up=1)"
else
	bad "B did not reconnect"
	log_tail "$B_LOG"
fi
wait_metric turnpike_fleet_redis_up 1 &&
	ok "B's metrics: turnpike_fleet_redis_up 1" ||
	bad "B's metrics: turnpike_fleet_redis_up '$(metric turnpike_fleet_redis_up)'"
rcli EXISTS "turn/realm/$REALM/user/eve/key" | grep -qx 1 &&
	ok "eve, acknowledged before the stop, survived the restart" ||
	bad "eve lost with the Redis restart"
dave_status=
for i in $(seq 1 25); do
	dave_status=$(rcli --scan --pattern "turn/realm/$REALM/user/dave/allocation/*/status" | head -1)
	[ -n "$dave_status" ] && break
	sleep 0.2
done
[ -n "$dave_status" ] && [ "$(stat_of "$SOCK_B" statsdb.dropped)" = 0 ] &&
	ok "statsdb: dave's allocation, made without Redis, published once it was back" ||
	bad "statsdb: dave's status key missing after the restart (dropped=$(stat_of "$SOCK_B" statsdb.dropped))"
rc=$(stat_of "$SOCK_B" fleet.reconciles)
[ "${rc:-0}" -ge 2 ] && ok "B reconciled (fleet.reconciles=$rc)" ||
	bad "fleet.reconciles=${rc:-?}"
# B's counts are back in Redis under its new instance: alice holds 2
# (summed over the relays that hold a lease; a dead one's field is
# dropped by the next acquire that reads it).
sleep 1
rcli HKEYS turnpike/fleet/relays >"$SB_DIR/relays"
n=$(rcli HGETALL "turnpike/quota/$REALM/u:alice" |
	awk -v f="$SB_DIR/relays" 'BEGIN { while ((getline l < f) > 0) live[l] = 1 }
		NR % 2 == 1 { k = $0 } NR % 2 == 0 && (k in live) { s += $1 }
		END { print s + 0 }')
[ "$n" = 2 ] && ok "after the reconcile Redis counts alice's 2 allocations" ||
	bad "after the reconcile Redis counts $n for alice, want 2"
r=$(fc allocate "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" alice alice-pw-7781)
[ "$r" = 486 ] && ok "and the fleet quota holds again: 486" ||
	bad "alice after the reconcile: $r, want 486"

# ---- a slow Redis: DEBUG SLEEP holds it 3 s.  B answers an Allocate
# anyway (a command's 500 ms timeout, then its own count), then
# reconnects ----
local_before=$(stat_of "$SOCK_B" fleet.quota_local)
SB_CMD_TIMEOUT=10 sb_run_s redis-cli -p "$RPORT" DEBUG SLEEP 3 >/dev/null 2>&1 &
slow_pid=$!
sleep 0.1
# Queued before B can know (a command fails only after 500 ms): the
# admin socket acknowledges it, so it must reach Redis once it wakes.
kim=$(adm "$SOCK_B" user-add kim kim-pw-3)
sleep 0.2
t0=$(date +%s%N)
r=$(fc allocate "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" henry henry-pw-3141)
ms=$((($(date +%s%N) - t0) / 1000000))
local_after=$(stat_of "$SOCK_B" fleet.quota_local)
case $r in
200*) if [ "$ms" -lt 2500 ] && [ "${local_after:-0}" -gt "${local_before:-0}" ]; then
		ok "Redis asleep: henry allocated on B in $ms ms, counted locally (fleet.quota_local ${local_before} -> ${local_after})"
	else
		bad "Redis asleep: henry took $ms ms, fleet.quota_local ${local_before:-?} -> ${local_after:-?}"
	fi ;;
*) bad "Redis asleep: henry on B: $r" ;;
esac
wait "$slow_pid"
out=
for i in $(seq 1 20); do
	out=$(adm "$SOCK_B" user-add gina gina-pw-2718)
	case $out in *"Redis is down"*) sleep 0.5 ;; *) break ;; esac
done
case $kim in *ok*)
	rcli EXISTS "turn/realm/$REALM/user/kim/key" | grep -qx 1 &&
		ok "kim, acknowledged while Redis slept, reached it once awake" ||
		bad "kim, acknowledged while Redis slept ($kim), is not in Redis" ;;
*) bad "kim's push while Redis slept answered: $kim" ;;
esac
rcli EXISTS "turn/realm/$REALM/user/gina/key" | grep -qx 1 &&
	ok "Redis awake: B is back on it (a push reaches Redis: $out)" ||
	bad "Redis awake: B's push of gina: $out, redis_up=$(stat_of "$SOCK_B" fleet.redis_up)"

# ---- garbage in Redis ----
before=$(stat_of "$SOCK_B" fleet.refused)
rcli SET "turn/realm/$REALM/user/mallory/key" "not-an-md5-key" >/dev/null
rcli PUBLISH turnpike/fleet/invalidate "$(printf 'evil\tuser\tmallory')" >/dev/null
head -c 1048576 /dev/zero | tr '\0' 'x' >"$SB_DIR/huge"
SB_CMD_TIMEOUT=10 sb_run_s redis-cli -p "$RPORT" -x SET \
	"turn/realm/$REALM/user/oscar/key" <"$SB_DIR/huge" >/dev/null
rcli PUBLISH turnpike/fleet/invalidate "$(printf 'evil\tuser\toscar')" >/dev/null
rcli PUBLISH turnpike/fleet/invalidate "no tabs at all" >/dev/null
rcli HSET turnpike/fleet/load evil-relay '{"allocations": "lots"' >/dev/null
sleep 1.5
after=$(stat_of "$SOCK_B" fleet.refused)
[ "${after:-0}" -ge $((${before:-0} + 3)) ] &&
	ok "garbage refused: fleet.refused ${before:-?} -> $after" ||
	bad "fleet.refused ${before:-?} -> ${after:-?}, want +3"
grep -q 'fleet.refused' "$B_LOG" && ok "B logged fleet.refused" ||
	bad "no fleet.refused line"
r=$(fc allocate "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" mallory whatever)
[ "$r" = 401 ] && ok "mallory (garbage key) cannot allocate: 401" ||
	bad "mallory: $r"
kill -0 "$B_PID" 2>/dev/null && ok "B alive after the garbage" ||
	{ bad "B died"; log_tail "$B_LOG"; }
r=$(fc relay "$B_IP" "$SB_TURN_PORT" "$B_CLIENT" dave dave-pw-5531 "$B_PEER")
[ "$r" = relayed ] && ok "B still allocates and relays" || bad "B after garbage: $r"

sb_kill "$B_PID"
grep -qE 'ERROR: AddressSanitizer|runtime error' "$B_LOG" "$A_LOG" &&
	bad "a sanitizer report in a relay's log" || ok "no sanitizer report"
finish
