#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Hostile input on TURN's stream transports (RFC 8656 over TCP): what a
# firewall-facing server meets on 3478 and 443.  From the client namespace:
#
#   - on the TLS port, a connection that never starts its handshake is
#     closed at tls-handshake-timeout, and garbage fails the handshake;
#   - garbage, an HTTP request, a TLS ClientHello on the plain TCP port,
#     and ChannelData or STUN claiming more bytes than the server takes:
#     each connection is closed by the server, and counted;
#   - a request cut into single bytes and several requests in one write are
#     answered (framing across reads, and many messages in one read);
#   - a flood of idle connections from one source: those over
#     stream-max-per-source are refused, the idle ones are closed after
#     stream-idle-timeout;
#   - after all that, coturn's client still allocates and relays over TCP
#     with zero loss, and the server still answers.
#
# The counters are read back through the admin socket (stream.* lines).
#
# Usage: test_stream_hostile.sh [--workers N] BUILD_DIR
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no coturn tools).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/sandbox.sh"
. "$here/e2e_common.sh"

e2e_args "$@"
[ -n "$build" ] || { echo "$E2E_USAGE" >&2; exit 2; }
sb_require_root
for tool in turnutils_uclient turnutils_peer nft; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found"; exit 77; }
done
sb_init || { echo "FAIL sandbox setup"; echo "0 passed, 1 failed"; exit 1; }

USER=alice
PASS=alice-e2e-pw
PEER_PORT=3480
PER_SOURCE=20
IDLE_S=3
ADMIN="$build/tools/turnpike-admin"

TLS_PORT=5349
HS_S=2
timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -days 2 -subj "/CN=$SB_SERVER_IP" -keyout "$SB_DIR/tls.key" \
	-out "$SB_DIR/tls.crt" >/dev/null 2>&1 || { bad "test certificate"; finish; }
export SB_SHARE_KERNEL=1
export SB_TURNPIKE_CONF
SB_TURNPIKE_CONF=$(printf 'stream-max-per-source=%s\nstream-idle-timeout=%s\ncert=%s\npkey=%s\ntls-listening-port=%s\ntls-handshake-timeout=%s' \
	"$PER_SOURCE" "$IDLE_S" "$SB_DIR/tls.crt" "$SB_DIR/tls.key" "$TLS_PORT" "$HS_S")
conf="$SB_DIR/hostile.conf"
cat >"$conf" <<EOF
realm=e2e.turnpike.test
min-port=49152
max-port=49999
allowed-peer-ip=$SB_PEER1_IP-$SB_PEER2_IP
rfc5766-channel-numbers
lt-cred-mech
user=$USER:$PASS
EOF
sb_server_start turnpike "$conf" "$workers" "$build" ||
	{ bad "server start"; finish; }
sb_bg "$SB_NS_C" peer1 turnutils_peer -L "$SB_PEER1_IP" -p "$PEER_PORT"

# stat NAME: one stream counter from the admin socket.
stat() {
	timeout -k 2 20 "$ADMIN" -s "$SB_DIR/admin.sock" -t 10 stats 2>/dev/null |
		sed -n "s/^stream\.$1=//p"
}

# The attacks, one connection each (python in the client namespace).  Each
# prints "closed NAME" when the server closed it, "answered NAME" when it
# answered, "timeout NAME" otherwise.
cat >"$SB_DIR/attacks.py" <<'EOF'
import os, select, socket, struct, sys, time
ip, port, per_source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def binding():
    return struct.pack("!HHI", 0x0001, 0, 0x2112A442) + os.urandom(12)

def attempt(name, chunks, expect_answers=0):
    s = socket.create_connection((ip, port), timeout=5)
    s.settimeout(5)
    try:
        for c in chunks:
            s.sendall(c)
            time.sleep(0.02)
        got = b""
        while True:
            d = s.recv(4096)
            if not d:
                print(("answered " if len(got) >= 20 * max(expect_answers, 1)
                       and expect_answers else "closed ") + name)
                return
            got += d
            if expect_answers and len(got) >= 32 * expect_answers:
                # every Binding success carries XOR-MAPPED-ADDRESS: >= 32 bytes
                n = 0; off = 0
                while off + 20 <= len(got):
                    n += 1
                    off += 20 + int.from_bytes(got[off + 2:off + 4], "big")
                if n >= expect_answers:
                    print("answered " + name)
                    return
    except socket.timeout:
        print("timeout " + name)
    except OSError:
        print("closed " + name)
    finally:
        s.close()

# The TLS port: a handshake that never starts is closed at the deadline;
# garbage instead of a ClientHello fails the handshake.
def tls_attempt(name, chunks, wait):
    s = socket.create_connection((ip, tls_port), timeout=wait)
    t0 = time.monotonic()
    try:
        for c in chunks:
            s.sendall(c)
        while s.recv(4096):
            pass
        print("closed %s %.1f" % (name, time.monotonic() - t0))
    except socket.timeout:
        print("timeout " + name)
    except OSError:
        print("closed %s %.1f" % (name, time.monotonic() - t0))
    finally:
        s.close()

tls_port = int(os.environ["TLS_PORT"])
tls_attempt("tls-silent", [], 10)
tls_attempt("tls-garbage", [b"\x80" * 64], 10)

# Garbage whose first two bits are 10 or 11: neither STUN (00) nor
# ChannelData (01), so a bad stream whatever the random byte is.  (A fully
# random first byte read as ChannelData or STUN claiming 0xffff bytes half
# the time, and counted as too long: CI once saw bad_stream=2.)
attempt("garbage", [bytes([0x80 | os.urandom(1)[0]]) + b"\xff" * 63])
attempt("http", [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"])
attempt("tls-hello", [bytes.fromhex("160301002a010000260303") + os.urandom(32)])
attempt("channeldata-too-long", [bytes.fromhex("4001ffff") + b"\0" * 200])
attempt("stun-too-long", [struct.pack("!HHI", 0x0001, 0x3000, 0x2112A442) + os.urandom(12)])
attempt("bad-cookie", [struct.pack("!HHI", 0x0001, 0, 0x2112A443) + os.urandom(12)])
req = binding()
attempt("split-byte-by-byte", [req[i:i + 1] for i in range(len(req))], 1)
attempt("three-in-one-write", [binding() + binding() + binding()], 3)

# A flood of idle connections from one source.
held, refused = [], 0
for i in range(per_source + 10):
    s = socket.create_connection((ip, port), timeout=5)
    held.append(s)
time.sleep(0.5)
# All at once: checking one by one with a timeout would outlast the idle
# deadline and count idle closes as refusals.
readable, _, _ = select.select(held, [], [], 0.2)
for s in readable:
    try:
        if s.recv(1) == b"":
            refused += 1
    except OSError:
        refused += 1
print("flood refused %d of %d" % (refused, len(held)))
# The rest are idle: the server closes them after its idle timeout.
time.sleep(float(os.environ.get("IDLE_WAIT", "5")))
closed = 0
for s in held:
    s.settimeout(0.2)
    try:
        if s.recv(1) == b"":
            closed += 1
    except socket.timeout:
        pass
    except OSError:
        closed += 1
    s.close()
print("flood closed %d of %d" % (closed, len(held)))
EOF
TLS_PORT=$TLS_PORT IDLE_WAIT=$((IDLE_S + 2)) SB_CMD_TIMEOUT=60 sb_run_c python3 "$SB_DIR/attacks.py" \
	"$SB_SERVER_IP" "$SB_TURN_PORT" "$PER_SOURCE" >"$SB_DIR/attacks.log" 2>&1
sed 's/^/#   /' "$SB_DIR/attacks.log"

for name in garbage http tls-hello channeldata-too-long stun-too-long bad-cookie; do
	if grep -qx "closed $name" "$SB_DIR/attacks.log"; then
		ok "$name: the server closed the connection"
	else
		bad "$name: $(grep " $name\$" "$SB_DIR/attacks.log" || echo 'no result')"
	fi
done
secs=$(sed -n 's/^closed tls-silent \([0-9.]*\)$/\1/p' "$SB_DIR/attacks.log")
if [ -n "$secs" ] && python3 -c "import sys; sys.exit(not ($HS_S - 0.5 <= $secs <= $HS_S + 1.5))"; then
	ok "tls-silent: closed after $secs s (tls-handshake-timeout $HS_S)"
else
	bad "tls-silent: $(grep ' tls-silent' "$SB_DIR/attacks.log" || echo 'no result')"
fi
if grep -q '^closed tls-garbage ' "$SB_DIR/attacks.log"; then
	ok "tls-garbage: the handshake failed and the connection closed"
else
	bad "tls-garbage: $(grep ' tls-garbage' "$SB_DIR/attacks.log" || echo 'no result')"
fi
for name in split-byte-by-byte three-in-one-write; do
	if grep -qx "answered $name" "$SB_DIR/attacks.log"; then
		ok "$name: answered"
	else
		bad "$name: $(grep " $name\$" "$SB_DIR/attacks.log" || echo 'no result')"
	fi
done
refused=$(sed -n 's/^flood refused \([0-9]*\) of.*/\1/p' "$SB_DIR/attacks.log")
closed=$(sed -n 's/^flood closed \([0-9]*\) of.*/\1/p' "$SB_DIR/attacks.log")
if [ "${refused:-0}" -eq 10 ]; then
	ok "flood: $refused connections over stream-max-per-source refused"
else
	bad "flood: ${refused:-?} refused (want 10)"
fi
if [ "${closed:-0}" -eq $((PER_SOURCE + 10)) ]; then
	ok "flood: every idle connection closed after ${IDLE_S} s"
else
	bad "flood: ${closed:-?} of $((PER_SOURCE + 10)) closed"
fi

# The counters say the same.
# An HTTP request reads as ChannelData ("GE" is channel 0x4745) claiming
# 0x5420 bytes: too long, not bad.  So 3 bad streams and 3 too long.
for want in "bad_stream 3" "too_long 3" "refused_source 10" \
	"idle_timeout $PER_SOURCE" "tls_handshake_timeout 1" \
	"tls_handshake_failed 1"; do
	set -- $want
	v=$(stat "$1")
	if [ -n "$v" ] && [ "$v" -ge "$2" ]; then
		ok "counter stream.$1=$v (>= $2)"
	else
		bad "counter stream.$1=${v:-missing} (want >= $2)"
	fi
done

# And a real client is still served, over TCP, with zero loss.
log="$SB_DIR/uclient-after.log"
SB_CMD_TIMEOUT=120 sb_run_c turnutils_uclient -t -L "$SB_CLIENT_IP" \
	-e "$SB_PEER1_IP" -r "$PEER_PORT" -z 20 -c -m 5 -n 40 -u "$USER" \
	-w "$PASS" "$SB_SERVER_IP" >"$log" 2>&1
lost=$(sed -n 's/.*Total lost packets \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
recv=$(sed -n 's/.*tot_recv_msgs=\([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ "${lost:-x}" = 0 ] && [ "${recv:-0}" -eq 200 ]; then
	ok "after the attacks: uclient over TCP, 200 echoed, 0 lost"
else
	bad "after the attacks: uclient lost ${lost:-?}, received ${recv:-?} of 200"
	tail -n 5 "$log" | sed 's/^/    /'
fi
if sb_server_alive; then ok "server alive"; else bad "server gone"; fi
finish
