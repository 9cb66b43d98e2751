#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test with a real browser: headless Chromium, in the client
# namespace of sandbox.sh, makes a WebRTC data-channel call between two
# RTCPeerConnections of one page, both forced through turnpike
# (iceTransportPolicy 'relay'; unless a scenario says otherwise, one
# turn:SERVER:3478?transport=udp server).
# Both relay addresses are on turnpike, so every datagram of the call goes
# client -> turnpike -> (relay to relay, inside turnpike) -> client.
#
# The page (written to the sandbox directory, loaded over file://) gathers
# its candidates, exchanges descriptions, opens an ordered data channel,
# sends N messages each way (lengths 16..3015 bytes, contents rebuilt by the
# receiver from their index), checks each arrives intact and in order,
# checks with getStats() that the selected candidate pair is relay/relay on
# the server's address, and prints one console line:
#   TPK-RESULT ok messages=N pair=relay/relay a=LOCAL>REMOTE b=LOCAL>REMOTE
# or TPK-RESULT fail REASON.  Chromium copies console lines to stderr
# (--enable-logging=stderr), where this script reads them.
#
# Scenarios, each a few pass/fail lines:
#   lt          long-term credentials (user=NAME:PASS in the config)
#   lt-wrong    the same server, a wrong password: no relay candidate, and
#               Chromium reports turnpike's 401
#   rest        TURN REST credentials from a shared secret, minted with
#               the project's own turnpike-token
#   lt-tcp      the client behind a firewall that drops all UDP to the
#               server (nftables in the client namespace): the page lists
#               turn:SERVER:3478?transport=udp and ?transport=tcp, trickles
#               its candidates, and the call must go over TCP alone
#   lt-tls      the same with turns:SERVER:5349?transport=tcp (a test
#               certificate, accepted by its key) in place of the TCP URL
#   lt-v6       IPv6 (issue 9): the sandbox gets its unique-local /64
#               (sandbox.sh's SB_IPV6), the page lists turn:[SERVER6]:3478
#               alone, so the browser reaches turnpike over IPv6 only.
#               Chromium sends no REQUESTED-ADDRESS-FAMILY, so its relayed
#               addresses are IPv4, RFC 8656's default (seen: relay/relay on
#               the IPv4 relay address, the usage records' clients IPv6)
# In lt-tcp and lt-tls the relay leg stays UDP, relay to relay inside
# turnpike; the firewall's counter must show dropped UDP (the browser did
# try it).  After each call turnpike is stopped and its log must show
# relayed packets (the final "stats" line: relayed_to_peer, relayed_local
# and relayed_to_client all > 0) and alloc.end usage records, for the
# call's user, with packets both ways, all over the scenario's transport
# (udp, tcp or tls).
#
# Usage: test_browser.sh BUILD_DIR [--workers N]
# Environment: E2E_MSGS messages each way (50); E2E_ONLY="lt lt-wrong rest"
# (the default; lt-tcp lt-tls lt-v6 are asked for by name) picks scenarios;
# E2E_CAPTURE=1 records each call with tshark in the client namespace (keep
# it with SB_KEEP=1); E2E_NO_INSTALL=1 skips instead of installing a missing
# Chromium with apt-get.
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no Chromium).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=sandbox.sh
. "$here/sandbox.sh"
# shellcheck source=e2e_common.sh
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }
build=$(cd "$build" && pwd) || exit 2

sb_require_root

# Chromium: Debian's package; installed here when missing (bounded).
find_chromium() {
	command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}
chromium=$(find_chromium)
if [ -z "$chromium" ] && [ "${E2E_NO_INSTALL:-0}" != 1 ] &&
	command -v apt-get >/dev/null 2>&1; then
	echo "# chromium missing: apt-get install chromium"
	export DEBIAN_FRONTEND=noninteractive
	timeout 300 apt-get install -y -qq --no-install-recommends chromium \
		>/dev/null 2>&1 ||
		{ timeout 120 apt-get update -qq >/dev/null 2>&1 &&
		  timeout 300 apt-get install -y -qq --no-install-recommends \
			chromium >/dev/null 2>&1; }
	chromium=$(find_chromium)
fi
[ -n "$chromium" ] || { echo "SKIP: chromium not installed and not installable"; exit 77; }
for exe in tools/turnpike tools/turnpike-token; do
	[ -x "$build/$exe" ] ||
		{ echo "FAIL $build/$exe not built"; echo "0 passed, 1 failed"; exit 1; }
done

case " ${E2E_ONLY:-} " in *" lt-v6 "*) export SB_IPV6=1 ;; esac
sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=browser.turnpike.test
USER=alice
PASS=alice-browser-pw
SECRET=browser-shared-secret
REST_USER=restuser
MSGS=${E2E_MSGS:-50}
CALL_LIMIT=60      # s: one Chromium run, start to result line
PAGE="$SB_DIR/call.html"

# ---------------------------------------------------------------------------
# The page.  Parameters come in the query string: server, user, pass, n,
# expect (call | norelay), limit (ms), urls (the ICE server's URLs, comma
# separated; turn:SERVER:3478?transport=udp when absent), trickle (1: hand
# candidates over as they come instead of after gathering completes).
# ---------------------------------------------------------------------------
cat >"$PAGE" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>turnpike browser e2e</title></head>
<body>
<script>
'use strict';
const q = new URLSearchParams(location.search);
const SERVER = q.get('server');
const N = parseInt(q.get('n') || '50', 10);
const EXPECT = q.get('expect') || 'call';
const LIMIT_MS = parseInt(q.get('limit') || '45000', 10);
const URLS = (q.get('urls') || 'turn:' + SERVER + ':3478?transport=udp').split(',');
const TRICKLE = q.get('trickle') === '1';
const cfg = {
  iceServers: [{ urls: URLS, username: q.get('user'),
                 credential: q.get('pass') }],
  iceTransportPolicy: 'relay',
};
let finished = false;
const errors = [];

function note(s) { console.log('TPK-LOG ' + s); }
function finish(ok, detail) {
  if (finished)
    return;
  finished = true;
  console.log('TPK-RESULT ' + (ok ? 'ok' : 'fail') + ' ' + detail);
}

// Message i in direction dir ('ab' or 'ba'): a header, then a body whose
// length and characters follow from (dir, i) alone (xorshift32), so the
// receiver rebuilds it and compares whole strings.
function message(dir, i) {
  let x = (((i + 1) * 2654435761) ^ (dir === 'ab' ? 0x9e3779b9 : 0x7f4a7c15)) | 0;
  if (x === 0)
    x = 1;
  const len = 16 + ((i * 397) % 3000);
  const c = new Array(len);
  for (let k = 0; k < len; k++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    c[k] = String.fromCharCode(33 + ((x >>> 0) % 94));
  }
  return dir + ':' + i + ':' + c.join('');
}

// Collect a side's candidates (and hand each to forward, if given);
// resolve once gathering is complete.
function gathered(pc, name, types, forward) {
  return new Promise(resolve => {
    pc.onicecandidate = ev => {
      if (ev.candidate && ev.candidate.candidate) {
        types.push(ev.candidate.type);
        note(name + ' candidate ' + ev.candidate.candidate);
        if (forward)
          forward(ev.candidate);
      }
      if (!ev.candidate)
        resolve();
    };
    pc.onicecandidateerror = ev => {
      errors.push(ev.errorCode);
      note(name + ' candidate error ' + ev.errorCode + ' ' + ev.errorText +
           ' url=' + ev.url);
    };
    if (pc.iceGatheringState === 'complete')
      resolve();
  });
}

async function describePair(pc) {
  const st = await pc.getStats();
  let pair = null;
  st.forEach(r => {
    if (r.type === 'transport' && r.selectedCandidatePairId)
      pair = st.get(r.selectedCandidatePairId);
  });
  if (!pair)
    return null;
  const l = st.get(pair.localCandidateId), r = st.get(pair.remoteCandidateId);
  if (!l || !r)
    return null;
  return { types: l.candidateType + '/' + r.candidateType,
           local: l.address + ':' + l.port, remote: r.address + ':' + r.port,
           proto: l.relayProtocol, sent: pair.bytesSent,
           received: pair.bytesReceived };
}

async function checkAndReport() {
  const pa = await describePair(a), pb = await describePair(b);
  if (!pa || !pb)
    return finish(false, 'no-selected-pair');
  note('pair a ' + JSON.stringify(pa));
  note('pair b ' + JSON.stringify(pb));
  // Trickling, the candidates were not checked before the call.
  const other = typesA.concat(typesB).filter(t => t !== 'relay');
  if (other.length > 0)
    return finish(false, 'non-relay-candidates ' + other.join(','));
  const relay = pa.types === 'relay/relay' && pb.types === 'relay/relay';
  finish(relay, 'messages=' + N + ' pair=' + (relay ? 'relay/relay' :
         pa.types + ',' + pb.types) + ' a=' + pa.local + '>' + pa.remote +
         ' b=' + pb.local + '>' + pb.remote + ' proto=' + pa.proto + '/' +
         pb.proto + ' bytes_a=' + pa.sent + '/' + pa.received);
}

let directionsDone = 0;
function oneDirectionDone() {
  if (++directionsDone === 2)
    checkAndReport().catch(e => finish(false, 'stats-exception ' + e));
}

// Send N messages on ch as dir; expect N as rdir, in order and intact.
function wire(ch, dir, rdir) {
  let next = 0;
  ch.onmessage = ev => {
    const s = String(ev.data);
    const m = /^(ab|ba):(\d+):/.exec(s);
    const i = m ? parseInt(m[2], 10) : -1;
    if (!m || m[1] !== rdir || i !== next || s !== message(rdir, i))
      return finish(false, 'bad-message dir=' + rdir + ' index=' + i +
                    ' want=' + next + ' len=' + s.length);
    if (++next === N) {
      note(rdir + ' all ' + N + ' received');
      oneDirectionDone();
    }
  };
  ch.onopen = () => {
    note(dir + ' channel open');
    for (let i = 0; i < N; i++)
      ch.send(message(dir, i));
  };
  ch.onerror = ev => finish(false, 'channel-error ' + (ev.error || ev));
}

const a = new RTCPeerConnection(cfg);
const b = new RTCPeerConnection(cfg);
for (const [name, pc] of [['a', a], ['b', b]])
  pc.onconnectionstatechange = () => {
    note(name + ' connection ' + pc.connectionState);
    if (pc.connectionState === 'failed')
      finish(false, 'connection-failed side=' + name);
  };
setTimeout(() => finish(false, 'timeout after ' + LIMIT_MS + ' ms: a=' +
           a.connectionState + ' b=' + b.connectionState + ' received=' +
           directionsDone + '/2'), LIMIT_MS);

const typesA = [], typesB = [];

// Trickle ICE: a side's candidates go to the other side as they come, held
// back until that side has its remote description.  The call then need not
// wait for every ICE server to answer or time out (an unreachable TURN
// server holds gathering up for some 40 s of retransmissions).
function trickleTo(pc, name) {
  const held = [];
  let open = false;
  const add = c => pc.addIceCandidate(c).catch(e =>
    note(name + ' addIceCandidate ' + e));
  return {
    push: c => { if (open) add(c); else held.push(c); },
    open: () => { open = true; held.splice(0).forEach(add); },
  };
}

async function mainTrickle() {
  const toB = trickleTo(b, 'b'), toA = trickleTo(a, 'a');
  gathered(a, 'a', typesA, c => toB.push(c));
  gathered(b, 'b', typesB, c => toA.push(c));
  const dc = a.createDataChannel('tpk', { ordered: true });
  b.ondatachannel = ev => wire(ev.channel, 'ba', 'ab');
  wire(dc, 'ab', 'ba');
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  toB.open();
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  toA.open();
}

async function main() {
  if (TRICKLE)
    return mainTrickle();
  const ta = typesA, tb = typesB;
  const ga = gathered(a, 'a', ta), gb = gathered(b, 'b', tb);
  const dc = a.createDataChannel('tpk', { ordered: true });
  b.ondatachannel = ev => wire(ev.channel, 'ba', 'ab');
  wire(dc, 'ab', 'ba');
  await a.setLocalDescription(await a.createOffer());
  await ga;
  const nonRelay = ta.filter(t => t !== 'relay').length;
  note('a gathered ' + ta.length + ' candidates, errors ' + errors.join(','));
  if (EXPECT === 'norelay') {
    const codes = [...new Set(errors)].join(',') || 'none';
    return finish(ta.length === 0, 'norelay relay_candidates=' + ta.length +
                  ' error_codes=' + codes);
  }
  if (ta.length === 0 || nonRelay > 0)
    return finish(false, 'candidates-a total=' + ta.length + ' non_relay=' +
                  nonRelay + ' error_codes=' + errors.join(','));
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await gb;
  if (tb.length === 0 || tb.some(t => t !== 'relay'))
    return finish(false, 'candidates-b ' + tb.join(','));
  await a.setRemoteDescription(b.localDescription);
}
main().catch(e => finish(false, 'exception ' + e));
</script>
</body></html>
HTML

# ---------------------------------------------------------------------------
# Server configurations
# ---------------------------------------------------------------------------
write_config() { # write_config lt|rest FILE
	{
		echo "realm=$REALM"
		echo "allowed-peer-ip=$SB_PREFIX"
		[ -z "${SB_PREFIX6:-}" ] || echo "allowed-peer-ip=$SB_PREFIX6"
		echo "min-port=49152"
		echo "max-port=49999"
		case "$1" in
		lt) echo lt-cred-mech; echo "user=$USER:$PASS" ;;
		rest) echo use-auth-secret; echo "static-auth-secret=$SECRET" ;;
		esac
	} >"$2"
}

start_server() { # start_server lt|rest
	local conf="$SB_DIR/$1.conf"
	write_config "$1" "$conf"
	if ! sb_server_start turnpike "$conf" "$workers" "$build"; then
		bad "$1: turnpike start ($workers workers)"
		return 1
	fi
	return 0
}

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 20 lines:"
	tail -n 20 "$SB_SERVER_LOG" | sed 's/^/    /'
	echo "----"
}

# The page's URL with its parameters, percent-encoded (base64 passwords
# carry '+', '/' and '=').
page_url() { # page_url USER PASS EXPECT [URLS]  (URLS given: trickle)
	python3 - "$PAGE" "$SB_SERVER_IP" "$1" "$2" "$MSGS" "$3" \
		"$(((CALL_LIMIT - 10) * 1000))" "${4:-}" <<'EOF'
import sys, urllib.parse
page, server, user, pw, n, expect, limit, urls = sys.argv[1:9]
q = {"server": server, "user": user, "pass": pw, "n": n, "expect": expect,
     "limit": limit}
if urls:
    q.update(urls=urls, trickle="1")
print("file://" + urllib.parse.quote(page) + "?" + urllib.parse.urlencode(q))
EOF
}

# Run the page once in Chromium in the client namespace; set RESULT to the
# text after "TPK-RESULT " (empty when none came within CALL_LIMIT s).
# CHROMIUM_EXTRA: more command-line switches for the scenario at hand.
RESULT=
CHROMIUM_EXTRA=()
browser_run() { # browser_run NAME USER PASS EXPECT [URLS]
	local name=$1 url log cap_pid="" pid _
	url=$(page_url "$2" "$3" "$4" "${5:-}") || return 1
	RESULT=
	if [ "${E2E_CAPTURE:-0}" = 1 ]; then
		SB_BG_TIMEOUT=$((CALL_LIMIT + 10)) sb_bg "$SB_NS_C" "tshark-$name" \
			tshark -q -i "$SB_DEV_C" -w "$SB_DIR/$name.pcap" -f udp
		cap_pid=$SB_BG_PID
		sleep 1
	fi
	mkdir -p "$SB_DIR/chromium-$name/home"
	SB_BG_TIMEOUT=$((CALL_LIMIT + 5)) sb_bg "$SB_NS_C" "chromium-$name" \
		env HOME="$SB_DIR/chromium-$name/home" "$chromium" \
		--headless=new --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--enable-logging=stderr --v=0 \
		${CHROMIUM_EXTRA[@]+"${CHROMIUM_EXTRA[@]}"} \
		--user-data-dir="$SB_DIR/chromium-$name/profile" "$url"
	pid=$SB_BG_PID
	log="$SB_DIR/chromium-$name.log"
	for _ in $(seq 1 $((CALL_LIMIT * 5))); do
		grep -q 'TPK-RESULT ' "$log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	RESULT=$(grep -o 'TPK-RESULT [^"]*' "$log" 2>/dev/null | head -n 1 |
		sed 's/^TPK-RESULT //')
	sb_kill "$pid"
	[ -n "$cap_pid" ] && sb_kill "$cap_pid"
	return 0
}

browser_log_tail() { # browser_log_tail NAME
	echo "---- page log (chromium-$1.log):"
	grep -o 'TPK-[A-Z]* [^"]*' "$SB_DIR/chromium-$1.log" 2>/dev/null |
		tail -n 25 | sed 's/^/    /'
	grep -E ':(ERROR|FATAL):' "$SB_DIR/chromium-$1.log" 2>/dev/null |
		tail -n 5 | sed 's/^/    /'
	echo "----"
}

# A call expected to work: the page's verdict, relay/relay on our address,
# both sides' relay candidates allocated over PROTO (udp, tcp or tls: the
# page reports getStats()' relayProtocol).  URLS replaces the page's one
# UDP server URL (and makes it trickle).
call_ok() { # call_ok NAME USER PASS [PROTO [URLS [SERVER_IP]]]
	local name=$1 proto=${4:-udp} t0=$SECONDS server_ip=${6:-$SB_SERVER_IP}
	browser_run "$name" "$2" "$3" call "${5:-}"
	case "$RESULT" in
	"ok messages=$MSGS "*)
		ok "$name: $MSGS messages each way intact over the data channel ($((SECONDS - t0)) s)" ;;
	"")
		bad "$name: no result from the page within $CALL_LIMIT s"
		browser_log_tail "$name"; server_log_tail
		return 1 ;;
	*)
		bad "$name: page says: $RESULT"
		browser_log_tail "$name"; server_log_tail
		return 1 ;;
	esac
	# Both ends of both sides' selected pairs are relay addresses on turnpike.
	local ip=${server_ip//./\\.}
	if [[ "$RESULT" =~ pair=relay/relay\ a=$ip:[0-9]+\>$ip:[0-9]+\ b=$ip:[0-9]+\>$ip:[0-9]+\ proto=$proto/$proto\  ]]; then
		ok "$name: selected pairs relay/relay over $proto, both on $server_ip (${RESULT#*pair=relay/relay })"
	else
		bad "$name: selected pairs not relay/relay over $proto on $server_ip: $RESULT"
	fi
}

# Read key=value from the last line of the server log matching EVENT.
stat_of() { # stat_of KEY  (from the final "stats" line)
	grep ' stats ' "$SB_SERVER_LOG" | tail -n 1 |
		sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

# After sb_server_stop: relayed counters and usage records for USER_RE,
# whose clients reached turnpike over TRANSPORT (udp, tcp or tls) only.
server_checks() { # server_checks NAME USER_RE [TRANSPORT]
	local name=$1 user_re=$2 transport=${3:-udp}
	local to_peer local_ to_client handoffs records both others
	to_peer=$(stat_of relayed_to_peer)
	handoffs=$(stat_of handoffs)
	local_=$(stat_of relayed_local)
	to_client=$(stat_of relayed_to_client)
	if [ "${to_peer:-0}" -gt 0 ] && [ "${local_:-0}" -gt 0 ] &&
		[ "${to_client:-0}" -gt 0 ]; then
		ok "$name: turnpike relayed to_peer=$to_peer local=$local_ to_client=$to_client (handoffs=${handoffs:-?})"
	else
		bad "$name: turnpike's counters: to_peer=${to_peer:-?} local=${local_:-?} to_client=${to_client:-?} (want all > 0)"
		grep -E ' (stats|drops) ' "$SB_SERVER_LOG" | tail -n 2 | sed 's/^/    /'
	fi
	local rec=" alloc\.end user=$user_re client=[^ ]+ transport"
	records=$(grep -cE "$rec=$transport " "$SB_SERVER_LOG")
	others=$(grep -E "$rec=" "$SB_SERVER_LOG" | grep -cvE "$rec=$transport ")
	both=$(grep -E "$rec=$transport " "$SB_SERVER_LOG" |
		grep -E 'pkts_from_client=[1-9][0-9]* ' |
		grep -cE 'pkts_to_client=[1-9][0-9]* ')
	if [ "$both" -ge 2 ] && [ "$others" -eq 0 ]; then
		ok "$name: $records alloc.end records for $user_re, all transport=$transport, $both with packets both ways"
	else
		bad "$name: alloc.end records for $user_re over $transport: $records, with packets both ways: $both (want >= 2); over another transport: $others (want 0)"
		grep ' alloc\.end ' "$SB_SERVER_LOG" | head -n 6 | sed 's/^/    /'
	fi
	grep ' drops ' "$SB_SERVER_LOG" | tail -n 1 | sed 's/^.* drops /# drops: /'
}

# ---------------------------------------------------------------------------
# The restrictive firewall: an nftables table in the client namespace drops
# every UDP packet to the server's address on its way out (a local drop:
# the sender's sendto() sees EPERM), counting them.  Raised after the
# server is up (sb_server_start checks it with a UDP Binding), lowered
# before the next one starts; were the script to stop in between, the
# namespace's deletion in sb_cleanup takes the table with it.
# ---------------------------------------------------------------------------
FW_TABLE=tpk_browser_fw

fw_raise() {
	cat >"$SB_DIR/fw.nft" <<EOF
table inet $FW_TABLE {
	counter udp_to_server { }
	chain output {
		type filter hook output priority 0; policy accept;
		ip daddr $SB_SERVER_IP meta l4proto udp counter name udp_to_server drop
	}
}
EOF
	fw_lower
	sb_run_c nft -f "$SB_DIR/fw.nft"
}

fw_lower() {
	sb_run_c nft list table inet "$FW_TABLE" >/dev/null 2>&1 || return 0
	sb_run_c nft delete table inet "$FW_TABLE"
}

# Packets the rule has dropped so far (empty if the table is gone).
fw_dropped() {
	sb_run_c nft list counter inet "$FW_TABLE" udp_to_server 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\) bytes.*/\1/p'
}

# TLS: a self-signed certificate for the server's address, with the
# address as a subjectAltName IP entry (what a name given as an address is
# checked against; the CN is not).  Chromium does verify a turns: server's
# certificate: untrusted, the TLS connection fails ("Failed to establish
# connection", error 701).  Rather than --ignore-certificate-errors, which
# would take any certificate, the call accepts this one key only, by the
# SHA-256 of its SubjectPublicKeyInfo (--ignore-certificate-errors-spki-list,
# honoured with --user-data-dir).  That switch waives the name check as
# well, so the SAN is what a real client would need, not what is tested.
TLS_PORT=5349
TLS_SPKI=
tls_cert() {
	timeout 30 openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=$SB_SERVER_IP" \
		-addext "subjectAltName=IP:$SB_SERVER_IP" \
		-keyout "$SB_DIR/tls.key" -out "$SB_DIR/tls.crt" >/dev/null 2>&1 ||
		return 1
	TLS_SPKI=$(openssl x509 -in "$SB_DIR/tls.crt" -pubkey -noout |
		openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64) || return 1
	[ -n "$TLS_SPKI" ]
}

# A call over TCP or TLS with UDP to the server blocked.  The page is
# given a UDP URL as well as the stream one, as a real application lists
# them: Chromium tries both, the firewall eats the UDP Allocates (the
# counter must move: Chromium did try), and the call must go over TCP or
# TLS alone: relayProtocol tcp or tls on both sides, and every alloc.end
# record of the call over that transport.  The relay leg stays UDP, relay
# to relay inside turnpike.
stream_call() { # stream_call lt-tcp|lt-tls
	local name=$1 transport=${1#lt-} s=$SB_SERVER_IP urls dropped
	export SB_SHARE_KERNEL=1
	SB_TURNPIKE_CONF=
	if [ "$transport" = tcp ]; then
		urls="turn:$s:3478?transport=udp,turn:$s:3478?transport=tcp"
	else
		tls_cert || { bad "$name: test certificate"; return 1; }
		SB_TURNPIKE_CONF=$(printf 'cert=%s\npkey=%s\ntls-listening-port=%s' \
			"$SB_DIR/tls.crt" "$SB_DIR/tls.key" "$TLS_PORT")
		urls="turn:$s:3478?transport=udp,turns:$s:$TLS_PORT?transport=tcp"
		CHROMIUM_EXTRA=(--ignore-certificate-errors-spki-list="$TLS_SPKI")
	fi
	export SB_TURNPIKE_CONF
	if start_server lt; then
		if fw_raise; then
			call_ok "$name" "$USER" "$PASS" "$transport" "$urls"
			dropped=$(fw_dropped)
			if [ "${dropped:-0}" -gt 0 ]; then
				ok "$name: the firewall dropped $dropped UDP packets to $s (the browser did try UDP)"
			else
				bad "$name: the firewall dropped ${dropped:-?} UDP packets to $s (want > 0)"
			fi
		else
			bad "$name: nftables rule in the client namespace"
		fi
		sb_server_stop
		fw_lower || bad "$name: could not remove the client's nftables table"
		server_checks "$name" "$USER" "$transport"
	fi
	CHROMIUM_EXTRA=()
	unset SB_SHARE_KERNEL SB_TURNPIKE_CONF
}

want() { case " ${E2E_ONLY:-lt lt-wrong rest} " in *" $1 "*) return 0 ;; esac; return 1; }

echo "# chromium: $("$chromium" --version 2>/dev/null | tail -n 1)"
echo "# workers=$workers net=$SB_PREFIX server=$SB_SERVER_IP messages=$MSGS"

# ---- long-term credentials
if { want lt || want lt-wrong; } && start_server lt; then
	if want lt-wrong; then
		browser_run lt-wrong "$USER" not-the-password norelay
		case "$RESULT" in
		"ok norelay relay_candidates=0 error_codes="*401*)
			ok "lt-wrong: no relay candidate, browser saw 401 (${RESULT#*error_codes=})" ;;
		*)
			bad "lt-wrong: wanted no relay candidate and a 401, page says: ${RESULT:-nothing}"
			browser_log_tail lt-wrong ;;
		esac
	fi
	want lt && call_ok lt "$USER" "$PASS"
	sb_server_stop
	want lt && server_checks lt "$USER"
fi

# ---- TURN REST API: credentials minted by the project's turnpike-token
if want rest && start_server rest; then
	token=$(timeout 10 "$build/tools/turnpike-token" rest --secret "$SECRET" \
		--user "$REST_USER" --ttl 600)
	read -r rest_name rest_pass < <(printf '%s' "$token" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(t["username"], t["password"])') || true
	if [ -z "${rest_name:-}" ] || [ -z "${rest_pass:-}" ]; then
		bad "rest: turnpike-token rest printed no credentials: $token"
	else
		call_ok rest "$rest_name" "$rest_pass"
		sb_server_stop
		server_checks rest "[0-9]+:$REST_USER"
	fi
	sb_server_stop
fi

# ---- the client behind a firewall that drops UDP: TURN over TCP, over TLS
want lt-tcp && stream_call lt-tcp
want lt-tls && stream_call lt-tls

# ---- IPv6: the TURN server by its IPv6 address, IPv6 relayed addresses
if want lt-v6 && start_server lt; then
	call_ok lt-v6 "$USER" "$PASS" udp \
		"turn:[$SB_SERVER_IP6]:3478?transport=udp"
	sb_server_stop
	server_checks lt-v6 "$USER"
	n=$(grep -cE " alloc\.end user=$USER client=\[$SB_NET6::[0-9a-f]+\]:[0-9]+ transport=udp relay=" \
		"$SB_SERVER_LOG")
	m=$(grep -c ' alloc\.end ' "$SB_SERVER_LOG")
	if [ "$n" -ge 2 ] && [ "$n" -eq "$m" ]; then
		ok "lt-v6: all $n usage records have an IPv6 client in $SB_PREFIX6"
	else
		bad "lt-v6: $n of $m usage records have an IPv6 client (want all, >= 2)"
		grep ' alloc\.end ' "$SB_SERVER_LOG" | head -n 4 | sed 's/^/    /'
	fi
fi

finish
