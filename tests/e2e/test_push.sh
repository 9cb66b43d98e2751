#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of the credential push API over HTTPS with client
# certificates (controlplane/push_http.h), with curl and coturn's client.
# The test makes its own CA, a server certificate, a client certificate
# from that CA and one from another CA.  turnpike starts with lt-cred-mech,
# a placeholder user and push-listen on the server namespace's loopback;
# then:
#   - a client without a certificate, and one whose certificate another CA
#     signed, fail the TLS handshake and install nothing;
#   - bad JSON, a missing field, an unknown field and an over-long user
#     name are answered 400 with a JSON error, and nothing changes;
#   - POST /v1/credentials answers 201; turnutils_uclient as that user
#     relays every message; GET answers the name and expiry, never the
#     password; a second POST of the same user answers 200; two GETs
#     share one keep-alive connection;
#   - turnpike restarts: the user is still there (uclient relays again),
#     loaded from push-store, whose file is mode 0600 and holds no
#     password;
#   - DELETE answers 204; uclient is refused; GET answers 404;
#   - the password never reached the log.
# Each check is one pass/fail line (as test_uclient.sh).  See sandbox.sh
# for the network.
#
# Usage: test_push.sh [--workers N] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no coturn tools).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"
. "$here/pki.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }

sb_require_root
for tool in turnutils_uclient turnutils_peer curl openssl; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found"; exit 77; }
done

sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

REALM=e2e.turnpike.test
USER=ue-4711@ims.example
PASS=pushed-over-https-Pw-19c2
PEER_PORT=3480
PUSH_PORT=9443
MSGS=${E2E_MSGS:-30}
PKI="$SB_DIR/pki"
STORE="$SB_DIR/store"
URL="https://127.0.0.1:$PUSH_PORT"

server_log_tail() {
	[ -n "$SB_SERVER_LOG" ] && [ -f "$SB_SERVER_LOG" ] || return 0
	echo "---- server log ($SB_SERVER_LOG), last 20 lines:"
	grep -vE '^(EAL|TELEMETRY):' "$SB_SERVER_LOG" | tail -n 20 | sed 's/^/    /'
	echo "----"
}

mkdir -p "$PKI" "$STORE"
if pki_ca ca && pki_ca other-ca &&
	pki_cert server ca turn.$REALM "subjectAltName=IP:127.0.0.1" &&
	pki_cert pcscf ca pcscf.$REALM "extendedKeyUsage=clientAuth" &&
	pki_cert rogue other-ca pcscf.$REALM "extendedKeyUsage=clientAuth"; then
	ok "PKI: a CA, a server and a client certificate, and a rogue client"
else
	bad "cannot make certificates with openssl"
	finish
fi

# push NAME WANT_STATUS METHOD PATH [BODY] [CLIENT]: one request with
# CLIENT's certificate (default pcscf, "none" = none), from the server's
# namespace; the body is left in $SB_DIR/push-NAME.body.
push() {
	local name=$1 want=$2 method=$3 path=$4 body=${5:-} who=${6:-pcscf}
	local out="$SB_DIR/push-$name.body" code rc=0
	local args=(-s -m 10 -o "$out" -w '%{http_code}' --cacert "$PKI/ca.pem"
		-X "$method")
	[ "$who" = none ] || args+=(--cert "$PKI/$who.pem" --key "$PKI/$who.key")
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
	: >"$out"
	code=$(sb_run_s curl "${args[@]}" "$URL$path" 2>/dev/null) || rc=$?
	if [ "$code" = "$want" ]; then
		ok "$name: $method $path -> $code $(head -c 120 "$out")"
		return 0
	fi
	bad "$name: $method $path -> ${code:-none} (curl rc $rc), want $want: $(head -c 200 "$out")"
	server_log_tail
	return 1
}

# uclient NAME clean|refused: as test_admin.sh.
uclient() {
	local name=$1 mode=$2 log="$SB_DIR/uclient-$1.log" rc=0
	SB_CMD_TIMEOUT=120 sb_run_c turnutils_uclient -L "$SB_CLIENT_IP" \
		-e "$SB_PEER1_IP" -r "$PEER_PORT" -z 20 -c -n "$MSGS" \
		-u "$USER" -w "$PASS" "$SB_SERVER_IP" >"$log" 2>&1 || rc=$?
	local recv
	recv=$(sed -n 's/.*start_mclient: tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\)$/\1/p' "$log" | tail -n 1)
	if [ "$mode" = refused ]; then
		if [ "$rc" -ne 0 ] && [ "${recv:-0}" = 0 ]; then
			ok "$name: uclient refused (rc $rc, nothing relayed)"
		else
			bad "$name: uclient not refused (rc $rc, received ${recv:-?})"
		fi
	elif [ "$rc" -eq 0 ] && [ "${recv:-0}" = "$MSGS" ]; then
		ok "$name: uclient relayed $recv of $MSGS"
	else
		bad "$name: uclient rc $rc, received ${recv:-?} of $MSGS"
		grep -iE 'error|fail|40[0-9]' "$log" | head -n 5 | sed 's/^/    /'
		server_log_tail
	fi
}

sb_bg "$SB_NS_C" peer1 turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"
sleep 0.5

conf="$SB_DIR/push.conf"
cat >"$conf" <<EOF
realm=$REALM
server-name=turn.$REALM
min-port=49152
max-port=49999
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
rfc5766-channel-numbers
lt-cred-mech
user=placeholder:placeholder-not-used-$RANDOM$RANDOM
push-listen=127.0.0.1:$PUSH_PORT
push-cert=$PKI/server.pem
push-pkey=$PKI/server.key
push-client-ca=$PKI/ca.pem
push-store=$STORE
EOF
echo "# push API e2e, workers=$workers net=$SB_PREFIX"
sb_server_start turnpike "$conf" "$workers" "$build" || { bad "server start"; finish; }

body="{\"username\":\"$USER\",\"password\":\"$PASS\",\"lifetime\":3600}"

# Who may not push.
code=$(sb_run_s curl -s -m 10 -o /dev/null -w '%{http_code}' \
	--cacert "$PKI/ca.pem" -H 'Content-Type: application/json' \
	--data-binary "$body" "$URL/v1/credentials" 2>/dev/null); rc=$?
if [ "$rc" -ne 0 ] && [ "$code" = 000 ]; then
	ok "no client certificate: the handshake fails (curl rc $rc)"
else
	bad "no client certificate: curl rc $rc, HTTP $code"
fi
code=$(sb_run_s curl -s -m 10 -o /dev/null -w '%{http_code}' \
	--cacert "$PKI/ca.pem" --cert "$PKI/rogue.pem" --key "$PKI/rogue.key" \
	-H 'Content-Type: application/json' --data-binary "$body" \
	"$URL/v1/credentials" 2>/dev/null); rc=$?
if [ "$rc" -ne 0 ] && [ "$code" = 000 ]; then
	ok "a certificate of another CA: the handshake fails (curl rc $rc)"
else
	bad "a certificate of another CA: curl rc $rc, HTTP $code"
fi
uclient not-pushed refused

# Bad requests change nothing.
push bad-json 400 POST /v1/credentials '{"username": "x", '
push missing 400 POST /v1/credentials "{\"username\":\"$USER\"}"
push unknown 400 POST /v1/credentials "{\"username\":\"$USER\",\"password\":\"$PASS\",\"admin\":true}"
long=$(head -c 600 /dev/zero | tr '\0' u)
push too-long 400 POST /v1/credentials "{\"username\":\"$long\",\"password\":\"$PASS\"}"
push not-object 400 POST /v1/credentials '[1,2,3]'
push wrong-method 405 PUT /v1/credentials "$body"
if grep -q '"error"' "$SB_DIR/push-bad-json.body" &&
	grep -q '"error"' "$SB_DIR/push-too-long.body"; then
	ok "errors come as JSON {\"error\": ...}"
else
	bad "error bodies are not JSON errors"
fi
push absent 404 GET "/v1/credentials/$USER"

# The push, and the user at work.
push create 201 POST /v1/credentials "$body"
uclient pushed clean
push get 200 GET "/v1/credentials/$USER"
if python3 - "$SB_DIR/push-get.body" "$USER" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ok = d.get("username") == sys.argv[2] and d.get("expires") and \
    "password" not in d and set(d) == {"username", "created", "expires"}
sys.exit(0 if ok else 1)
EOF
then
	ok "GET: the name, created and expires; no password"
else
	bad "GET body: $(cat "$SB_DIR/push-get.body")"
fi
push replace 200 POST /v1/credentials "$body"
# HTTP/1.1 keep-alive: a second request on the same connection (curl speaks
# HTTP/2 to it otherwise, which the other requests here use).
reuse=$(sb_run_s curl --http1.1 -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	--cacert "$PKI/ca.pem" --cert "$PKI/pcscf.pem" --key "$PKI/pcscf.key" \
	"$URL/v1/credentials/$USER" "$URL/v1/credentials/$USER" 2>/dev/null |
	tr '\n' ' ')
if [ "$reuse" = "200 1 200 0 " ]; then
	ok "HTTP/1.1 keep-alive: two GETs on one connection"
else
	bad "keep-alive: '$reuse' (want '200 1 200 0 ')"
fi
ver=$(sb_run_s curl --http2 -s -o /dev/null -w '%{http_code} %{http_version}' \
	--cacert "$PKI/ca.pem" --cert "$PKI/pcscf.pem" --key "$PKI/pcscf.key" \
	"$URL/v1/credentials/$USER" 2>/dev/null)
if [ "$ver" = "200 2" ]; then
	ok "HTTP/2 (ALPN h2): GET answered"
else
	bad "HTTP/2: '$ver' (want '200 2')"
fi

# The admin socket counts them: every request through the store, the two
# POSTs applied.
stats=$(timeout 20 "$build/tools/turnpike-admin" -s "$SB_DIR/admin.sock" -t 10 stats 2>&1)
applied=$(printf '%s\n' "$stats" | sed -n 's/^push.applied=//p')
requests=$(printf '%s\n' "$stats" | sed -n 's/^push.requests=//p')
txns=$(printf '%s\n' "$stats" | sed -n 's/^push.transactions=//p')
if [ "${applied:-x}" = 2 ] && [ "${requests:-0}" -ge 5 ] &&
	[ "${txns:-0}" -ge 1 ] && [ "$txns" -le "$requests" ]; then
	ok "stats: push.applied=$applied push.requests=$requests push.transactions=$txns"
else
	bad "stats: push.applied=${applied:-?} push.requests=${requests:-?} push.transactions=${txns:-?}"
fi

# A restart keeps it.
sb_server_stop
if sb_server_start turnpike "$conf" "$workers" "$build"; then
	ok "restarted"
else
	bad "restart"
	finish
fi
if grep -q 'push.start.*loaded=1' "$SB_SERVER_LOG"; then
	ok "the store gave back 1 item at start-up"
else
	bad "no 'push.start ... loaded=1' in the log"
	server_log_tail
fi
uclient after-restart clean
push get-after-restart 200 GET "/v1/credentials/$USER"
db="$STORE/push.db"
if [ "$(stat -c %a "$db")" = 600 ] && ! grep -qaF "$PASS" "$STORE"/push.db*; then
	ok "the store is mode 600 and holds no password"
else
	bad "store mode $(stat -c %a "$db") or the password is in it"
fi

# Delete.
push delete 204 DELETE "/v1/credentials/$USER"
uclient deleted refused
push get-deleted 404 GET "/v1/credentials/$USER"
push delete-again 404 DELETE "/v1/credentials/$USER"

if grep -qF "$PASS" "$SB_SERVER_LOG" "$SB_DIR"/server-*.log; then
	bad "the password is in the server log"
else
	ok "the password never reached the log"
fi
finish
