#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Interop of turnpike's RFC 7635 tokens with independent implementations:
#  (a) tokens minted by `turnpike-token oauth` decrypt in coturn's
#      turnutils_oauth with the same mac_key, timestamp and lifetime;
#  (b) tokens minted by turnutils_oauth decrypt in `turnpike-token inspect`;
#  (c) tokens minted by turnpike-token decrypt with python3's `cryptography`
#      AES-GCM (skipped, with a note, when that module is absent);
#  (d) `turnpike-token rest` matches a published vector and openssl's HMAC.
# Each direction also checks that a wrong server name is refused, so a
# decryptor that accepted anything would fail the test.
#
# Needs: coturn (turnutils_oauth), python3, openssl; optionally
# python3-cryptography.
# Usage: oauth_interop.sh PATH/TO/turnpike-token
# Exit: 0 pass, 1 fail, 77 skip (meson's skip code) without turnutils_oauth.
set -u

TT=${1:?usage: oauth_interop.sh PATH/TO/turnpike-token}
if ! command -v turnutils_oauth >/dev/null 2>&1; then
	echo "SKIP: turnutils_oauth not found (Debian package coturn)"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not found"
	exit 77
fi
# Resolve the interpreter once (a version-manager shim costs ~0.5 s a call).
PY=$(python3 -c 'import sys; print(sys.executable)')

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: want '$2', got '$3'"; fi
}
json() { # json FIELD < json
	"$PY" -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print(str(v).lower() if isinstance(v, bool) else v)' "$1"
}
rand_b64() { head -c "$1" /dev/urandom | base64 -w0; }

SERVER=turn.interop.example
NOW=$(date +%s)
# A printable mac_key, because turnutils_oauth prints the key raw.
MAC_TEXT=turnpike-interop-mac-key-0123456
MAC_B64=$(printf %s "$MAC_TEXT" | base64 -w0)
TS=1700000000

for ALG in A128GCM A256GCM; do
	case $ALG in A128GCM) KLEN=16 ;; *) KLEN=32 ;; esac
	KEY=$(rand_b64 $KLEN)

	# (a) turnpike-token -> turnutils_oauth
	out=$("$TT" oauth --kid north --key "$KEY" --alg $ALG --server-name $SERVER \
		--mac-key "$MAC_B64" --lifetime 777 --timestamp $TS) || { bad "$ALG: oauth failed"; continue; }
	TOKEN=$(json access_token <<<"$out")
	check "$ALG (a) expires_in" 777 "$(json expires_in <<<"$out")"
	check "$ALG (a) key echoed" "$MAC_B64" "$(json key <<<"$out")"
	dec=$(turnutils_oauth -v -d -i $SERVER -j north -k "$KEY" -l "$NOW" -m 3600 -n $ALG \
		-t "$TOKEN" 2>&1)
	rc=$?
	check "$ALG (a) turnutils_oauth accepts the token" 0 $rc
	check "$ALG (a) mac key" "$MAC_TEXT" "$(sed -n 's/^ *mac key: //p' <<<"$dec")"
	check "$ALG (a) mac key length" 32 "$(sed -n 's/^ *mac key length: //p' <<<"$dec")"
	check "$ALG (a) timestamp" $TS "$(sed -n 's/^ *unixtime: \([0-9]*\).*/\1/p' <<<"$dec")"
	check "$ALG (a) lifetime" 777 "$(sed -n 's/^ *lifetime: //p' <<<"$dec")"
	turnutils_oauth -d -i other.example -j north -k "$KEY" -l "$NOW" -m 3600 -n $ALG \
		-t "$TOKEN" >/dev/null 2>&1
	[ $? -ne 0 ] && ok "$ALG (a) turnutils_oauth refuses another server name" ||
		bad "$ALG (a) turnutils_oauth accepted another server name"

	# A random (default) mac_key round-trips too: compare lengths only.
	out=$("$TT" oauth --kid north --key "$KEY" --alg $ALG --server-name $SERVER)
	dec=$(turnutils_oauth -v -d -i $SERVER -j north -k "$KEY" -l "$NOW" -m 3600 -n $ALG \
		-t "$(json access_token <<<"$out")" 2>&1)
	check "$ALG (a) default mac key length" 20 "$(sed -n 's/^ *mac key length: //p' <<<"$dec")"
	check "$ALG (a) default lifetime" 3600 "$(sed -n 's/^ *lifetime: //p' <<<"$dec")"

	# (b) turnutils_oauth -> turnpike-token inspect; timestamp TS + 0.5 s.
	enc=$(turnutils_oauth -e -i $SERVER -j north -k "$KEY" -l "$NOW" -m 3600 -n $ALG \
		-p "$MAC_B64" -r 1234 -q $(((TS << 16) + 32768)) 2>/dev/null)
	TOKEN=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$enc")
	[ -n "$TOKEN" ] && ok "$ALG (b) turnutils_oauth minted a token" ||
		bad "$ALG (b) no token from turnutils_oauth"
	out=$("$TT" inspect --key "$KEY" --alg $ALG --server-name $SERVER "$TOKEN")
	check "$ALG (b) inspect exit status" 0 $?
	check "$ALG (b) mac_key" "$MAC_B64" "$(json mac_key <<<"$out")"
	check "$ALG (b) timestamp" 1700000000.5 "$(json timestamp <<<"$out")"
	check "$ALG (b) lifetime" 1234 "$(json lifetime <<<"$out")"
	check "$ALG (b) expires" $((TS + 1234)) "$(json expires <<<"$out")"
	check "$ALG (b) expired" true "$(json expired <<<"$out")"
	"$TT" inspect --key "$KEY" --alg $ALG --server-name other.example "$TOKEN" >/dev/null 2>&1
	check "$ALG (b) inspect refuses another server name (exit 2)" 2 $?

	# (c) turnpike-token -> python3 cryptography AES-GCM
	if "$PY" -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null; then
		out=$("$TT" oauth --kid north --key "$KEY" --alg $ALG --server-name $SERVER \
			--mac-key "$MAC_B64" --lifetime 99 --timestamp $TS)
		got=$("$PY" - "$KEY" "$SERVER" "$(json access_token <<<"$out")" <<'PY'
import base64, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key, server, tok = base64.b64decode(sys.argv[1]), sys.argv[2].encode(), base64.b64decode(sys.argv[3])
(nlen,) = struct.unpack(">H", tok[:2])
assert nlen == 12, nlen
plain = AESGCM(key).decrypt(tok[2:14], tok[14:], server)
(klen,) = struct.unpack(">H", plain[:2])
assert len(plain) == 2 + klen + 12, (len(plain), klen)
mac = plain[2:2 + klen]
ts, life = struct.unpack(">QI", plain[2 + klen:])
print(base64.b64encode(mac).decode(), ts >> 16, ts & 0xFFFF, life)
PY
)
		check "$ALG (c) python cryptography decrypts" "$MAC_B64 $TS 0 99" "$got"
	else
		echo "note: python3 'cryptography' not available; check (c) skipped" \
			"(Debian package python3-cryptography)"
	fi
done

# (d) `turnpike-token rest` against the published mojoauth vector and against
# openssl's HMAC-SHA1 of the username it mints.
MOJO=y662KxTm1X4DvVCml+witUgwdJkNbR013JvFFUy6ZxuWozjHwND6vlIREoylJBh/9TiuSMpBqluNekWqN7kaPg==
out=$("$TT" rest --secret "$MOJO" --user foobar --expiry 1413748361)
check "rest (d) published username" 1413748361:foobar "$(json username <<<"$out")"
check "rest (d) published password" sJgD0PLv892CUSfp1HL2td5NEeM= "$(json password <<<"$out")"
out=$("$TT" rest --secret rotate-me --user bob --ttl 600)
user=$(json username <<<"$out")
exp=${user%%:*}
[ "$exp" -ge $((NOW + 600)) ] && [ "$exp" -le $(($(date +%s) + 600)) ] &&
	ok "rest (d) expiry is now + ttl" || bad "rest (d) expiry $exp is not now + 600"
check "rest (d) password = openssl HMAC-SHA1" \
	"$(printf %s "$user" | openssl dgst -sha1 -hmac rotate-me -binary | base64 -w0)" \
	"$(json password <<<"$out")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
