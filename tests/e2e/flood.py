#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real TURN clients against a spoofed flood of forged requests (issue 13).

Run inside the client namespace of the e2e sandbox (tests/e2e/sandbox.sh).

    flood.py run SERVER PORT CLIENT_IP PEER_IP USER PASS REALM
                 FLOOD_PREFIXES FLOOD_COUNT FLOOD_SECONDS

1. Before the flood, EARLY clients allocate from CLIENT_IP (long-term
   credentials), create a permission for PEER_IP and relay one datagram
   to it (a socket on PEER_IP checks it arrives).
2. The flood starts (a child process, "send" below): FLOOD_COUNT forged
   requests at most, FLOOD_SECONDS at most, as fast as this machine sends,
   each from a source address of its own spread over FLOOD_PREFIXES /24s
   next to CLIENT_IP's (never CLIENT_IP's own /24).  Each is issue 13's
   reproducer with our REALM: an Allocate with a REST username that has
   not expired, a nonce with the right cookie and a made-up MAC, and a
   MESSAGE-INTEGRITY under no key.
3. While it runs, every early client refreshes its allocation and relays
   again, and LATE clients allocate, create a permission and relay.
4. Prints what the real clients saw and what the flood sent:

    flood sent=N seconds=S rate=R/s prefixes=P
    clients early=E late=L allocate_ok=A/T refresh_ok=F/E relay_ok=Y/T
    allocate_ms before: median=... max=...  during: median=... max=...

Exit 0 when every real client's every step succeeded, 1 otherwise.

    flood.py send SERVER PORT CLIENT_IP REALM PREFIXES COUNT SECONDS

The flood alone (raw socket, IP_HDRINCL, so the sources can be anyone).
"""
import os
import socket
import statistics
import struct
import subprocess
import sys
import time

from stun_lite import REQUESTED_UDP, attr, long_term, message, transact, \
    xor_addr

PEER_PORT = 40000
EARLY = 8
LATE = 8
NONCE_COOKIE = b"obMatJos2"


class Client:
    def __init__(self, server, client_ip, peer_ip, user, password):
        self.server, self.peer_ip = server, peer_ip
        self.user, self.password = user, password
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((client_ip, 0))
        self.key = self.cred = None

    def allocate(self):
        """Allocate (401, then signed); returns the milliseconds it took."""
        t0 = time.monotonic()
        rtype, a = transact(self.sock, self.server, 0x0003, [REQUESTED_UDP])
        if rtype != 0x0113 or 0x0015 not in a:
            raise RuntimeError("Allocate: 0x%04x, no challenge" % rtype)
        self.key, self.cred = long_term(self.user, self.password, a[0x0014],
                                        a[0x0015])
        self.signed(0x0003, [REQUESTED_UDP], "Allocate")
        return (time.monotonic() - t0) * 1000

    def signed(self, method, attrs, what):
        for _ in range(3):  # a 438 gives a fresh nonce: retry with it
            rtype, a = transact(self.sock, self.server, method,
                                attrs + self.cred, self.key)
            if rtype == method | 0x0100:
                return a
            if rtype == method | 0x0110 and 0x0015 in a:
                self.cred[2] = attr(0x0015, a[0x0015])
                continue
            raise RuntimeError("%s: 0x%04x" % (what, rtype))
        raise RuntimeError("%s: stale nonce three times" % what)

    def permission(self):
        self.signed(0x0008, [attr(0x0012, xor_addr(self.peer_ip, PEER_PORT))],
                    "CreatePermission")
        return True

    def refresh(self):
        self.signed(0x0004, [attr(0x000d, struct.pack("!I", 600))], "Refresh")
        return True

    def relay(self, peer, tag):
        """A Send indication; True if the peer got it (bounded: 3 tries)."""
        data = b"flood-test-" + tag
        send, _ = message(0x0016, [attr(0x0012, xor_addr(self.peer_ip,
                                                         PEER_PORT)),
                                   attr(0x0013, data)])
        for _ in range(3):
            self.sock.sendto(send, self.server)
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                try:
                    peer.settimeout(max(0.01, end - time.monotonic()))
                    if peer.recv(2048) == data:
                        return True
                except socket.timeout:
                    break
        return False

    def close(self):
        try:  # lifetime 0: leave nothing behind
            self.signed(0x0004, [attr(0x000d, b"\0\0\0\0")], "Refresh 0")
        except (OSError, RuntimeError):
            pass
        self.sock.close()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def forged_packets(server_ip, port, client_ip, realm, prefixes, n):
    """n spoofed IPv4/UDP datagrams, sources in other /24s than client_ip's."""
    a, b, c, _ = (int(x) for x in client_ip.split("."))
    user = b"%d:x" % (int(time.time()) + 86400)
    dst = socket.inet_aton(server_ip)
    out = []
    for i in range(n):
        net = (c + 1 + i % prefixes) % 256
        host = 1 + (i // prefixes) % 254
        src = bytes((a, b, net, host))
        sport = 1024 + (i * 7919) % 60000
        nonce = NONCE_COOKIE + b"AAAA" + (b"%032d" % i)
        stun, _ = message(0x0003, [attr(0x0006, user), attr(0x0014, realm),
                                   attr(0x0015, nonce),
                                   attr(0x0008, b"\0" * 20)],
                          tid=struct.pack("!I", i) + os.urandom(8))
        ulen = 8 + len(stun)
        pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
        udp = struct.pack("!HHHH", sport, port, ulen, 0) + stun
        csum = checksum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, i & 0xFFFF, 0,
                         64, 17, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        out.append(ip + udp)
    return out


def send(argv):
    server_ip, port, client_ip, realm = argv[0], int(argv[1]), argv[2], argv[3]
    prefixes, count, seconds = int(argv[4]), int(argv[5]), float(argv[6])
    pkts = forged_packets(server_ip, port, client_ip, realm.encode(),
                          prefixes, min(count, 254 * prefixes, 8192))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    dst = (server_ip, 0)
    sent, n = 0, len(pkts)
    t0 = time.monotonic()
    end = t0 + seconds
    while sent < count:
        if sent % 1024 == 0 and time.monotonic() >= end:
            break
        try:
            s.sendto(pkts[sent % n], dst)
        except OSError:  # ENOBUFS under load: a lost datagram, go on
            pass
        sent += 1
    dt = time.monotonic() - t0
    print("flood sent=%d seconds=%.2f rate=%.0f/s prefixes=%d"
          % (sent, dt, sent / dt if dt > 0 else 0, prefixes), flush=True)
    return 0


def run(argv):
    server = (argv[0], int(argv[1]))
    client_ip, peer_ip, user, password, realm = argv[2:7]
    prefixes, count, seconds = argv[7], argv[8], argv[9]
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind((peer_ip, PEER_PORT))
    ok = {"allocate": 0, "refresh": 0, "relay": 0}
    before, during, errors = [], [], []
    early = []

    def step(what, fn):
        try:
            return fn()
        except (OSError, RuntimeError) as e:
            errors.append("%s: %s" % (what, e))
            return None

    for i in range(EARLY):
        c = Client(server, client_ip, peer_ip, user, password)
        ms = step("early %d allocate" % i, c.allocate)
        if ms is None:
            continue
        before.append(ms)
        ok["allocate"] += 1
        if step("early %d permission" % i, c.permission):
            ok["relay"] += c.relay(peer, b"early-%d" % i)
        early.append(c)

    flood = subprocess.Popen([sys.executable, __file__, "send", server[0],
                              str(server[1]), client_ip, realm, prefixes,
                              count, seconds], stdout=subprocess.PIPE,
                             text=True)
    time.sleep(0.5)  # let it reach full rate
    flood_running = flood.poll() is None

    for i, c in enumerate(early):
        if step("early %d refresh" % i, c.refresh):
            ok["refresh"] += 1
        ok["relay"] += c.relay(peer, b"early-again-%d" % i)
    late = []
    for i in range(LATE):
        c = Client(server, client_ip, peer_ip, user, password)
        ms = step("late %d allocate" % i, c.allocate)
        if ms is None:
            continue
        during.append(ms)
        ok["allocate"] += 1
        if step("late %d permission" % i, c.permission):
            ok["relay"] += c.relay(peer, b"late-%d" % i)
        late.append(c)
    still_running = flood.poll() is None

    out, _ = flood.communicate(timeout=float(seconds) + 30)
    print(out.strip())
    for c in early + late:
        c.close()
    peer.close()
    total = EARLY + LATE
    relays = EARLY * 2 + LATE
    print("clients early=%d late=%d allocate_ok=%d/%d refresh_ok=%d/%d "
          "relay_ok=%d/%d" % (EARLY, LATE, ok["allocate"], total,
                               ok["refresh"], EARLY, ok["relay"], relays))

    def summary(v):
        return ("median=%.1f max=%.1f" % (statistics.median(v), max(v))
                if v else "none")
    print("allocate_ms before: %s  during: %s" % (summary(before),
                                                   summary(during)))
    print("flood running: when the clients started=%s, when they ended=%s"
          % (flood_running, still_running))
    for e in errors:
        print("error: %s" % e)
    good = (not errors and ok["allocate"] == total and
            ok["refresh"] == EARLY and ok["relay"] == relays and
            flood.returncode == 0 and flood_running)
    return 0 if good else 1


def main():
    if len(sys.argv) >= 12 and sys.argv[1] == "run":
        return run(sys.argv[2:])
    if len(sys.argv) >= 9 and sys.argv[1] == "send":
        return send(sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
