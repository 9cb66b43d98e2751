#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A dual allocation end to end (RFC 8656 sections 7.2 and 8.2).

One client allocates with ADDITIONAL-ADDRESS-FAMILY (IPv6) and long-term
credentials, so it holds an IPv4 and an IPv6 relayed address; it creates
permissions for an IPv4 and an IPv6 peer in one CreatePermission, binds a
channel to each, and relays to both at once, interleaved: every datagram
must reach its peer from the relayed address of the peer's family, and
every echo must come back on its channel.  Then it gives up the IPv6
address (Refresh with REQUESTED-ADDRESS-FAMILY IPv6 and LIFETIME 0): a new
IPv6 permission gets 443, nothing reaches the IPv6 peer any more, IPv4
goes on.  Finally it deletes the allocation.

Runs inside the client namespace of the e2e sandbox (tests/e2e/sandbox.sh),
where both peer addresses are local.  Prints one "ok"/"FAIL" line per check
and exits 0 only if all passed.

Usage: dual_probe.py SERVER PORT CLIENT_IP USER PASS PEER4 PEER6 COUNT
"""
import socket
import struct
import sys
import time

from stun_lite import (FAM4, FAM6, REQUESTED_UDP, attr, family_of, first,
                       long_term, message, parse, xor_addr, xor_addr_decode)

PEER_PORT = 40100
ATTR_XOR_PEER, ATTR_XOR_RELAYED, ATTR_DATA = 0x0012, 0x0016, 0x0013
ATTR_LIFETIME, ATTR_CHANNEL, ATTR_ERROR = 0x000D, 0x000C, 0x0009
ATTR_RAF, ATTR_AAF, ATTR_ADDR_ERROR = 0x0017, 0x8000, 0x8001


def error_code(attrs):
    v = first(attrs, ATTR_ERROR)
    return None if v is None else v[2] * 100 + v[3]


class Client:
    def __init__(self, server, client_ip, user, password):
        self.server = server
        af = socket.AF_INET6 if ":" in client_ip else socket.AF_INET
        self.sock = socket.socket(af, socket.SOCK_DGRAM)
        self.sock.bind((client_ip, 0))
        self.user, self.password = user, password
        self.key, self.cred = None, []
        self.channel_data = []  # ChannelData that arrived while waiting

    def transact(self, mtype, attrs, key=None):
        """Bounded RFC 8489-style retransmissions: 6 tries, 3 s."""
        msg, tid = message(mtype, attrs, key)
        for _ in range(6):
            self.sock.sendto(msg, self.server)
            end = time.monotonic() + 0.5
            while time.monotonic() < end:
                self.sock.settimeout(max(0.01, end - time.monotonic()))
                try:
                    data = self.sock.recv(2048)
                except socket.timeout:
                    break
                if len(data) >= 4 and 0x40 <= data[0] <= 0x4F:
                    self.channel_data.append(data)
                    continue
                if len(data) < 20:
                    continue
                rtype, rtid, rattrs = parse(data)
                if rtid == tid:
                    return rtype, rtid, rattrs
        raise RuntimeError("no answer to 0x%04x" % mtype)

    def signed(self, method, attrs):
        """A signed request; retried once on 438 with the fresh nonce."""
        for _ in range(3):
            rtype, tid, a = self.transact(method, attrs + self.cred, self.key)
            if rtype == method | 0x0110 and error_code(a) == 438:
                self.cred[2] = attr(0x0015, first(a, 0x0015))
                continue
            return rtype, tid, a
        raise RuntimeError("stale nonce three times")

    def allocate(self, extra):
        rtype, _, a = self.transact(0x0003, [REQUESTED_UDP])
        realm, nonce = first(a, 0x0014), first(a, 0x0015)
        if rtype != 0x0113 or realm is None or nonce is None:
            raise RuntimeError("Allocate: 0x%04x, no challenge" % rtype)
        self.key, self.cred = long_term(self.user, self.password, realm,
                                        nonce)
        return self.signed(0x0003, [REQUESTED_UDP] + extra)


def main(argv):
    if len(argv) != 9:
        print(__doc__.strip().splitlines()[-1])
        return 2
    server = (argv[1], int(argv[2]))
    client_ip, user, password, peer4, peer6 = argv[3:8]
    count = int(argv[8])
    failures = 0

    def check(cond, what):
        nonlocal failures
        print("%s %s" % ("ok  " if cond else "FAIL", what))
        if not cond:
            failures += 1
        return cond

    peers = {}
    for ip in (peer4, peer6):
        af = socket.AF_INET6 if ":" in ip else socket.AF_INET
        s = socket.socket(af, socket.SOCK_DGRAM)
        s.bind((ip, PEER_PORT))
        s.setblocking(False)
        peers[family_of(ip)] = s

    c = Client(server, client_ip, user, password)
    rtype, tid, a = c.allocate([attr(ATTR_AAF, bytes([FAM6, 0, 0, 0]))])
    relayed = [xor_addr_decode(v, tid) for k, v in a if k == ATTR_XOR_RELAYED]
    fams = sorted(family_of(ip) for ip, _ in relayed)
    if not check(rtype == 0x0103 and fams == [FAM4, FAM6] and
                 first(a, ATTR_ADDR_ERROR) is None,
                 "dual Allocate: 0x%04x, relayed %s" % (rtype, relayed)):
        return 1
    relay_of = {family_of(ip): (ip, port) for ip, port in relayed}

    # Both peers in one CreatePermission, a channel to each.
    perm = [lambda t, ip=ip: attr(ATTR_XOR_PEER, xor_addr(ip, PEER_PORT, t))
            for ip in (peer4, peer6)]
    rtype, _, a = c.signed(0x0008, perm)
    check(rtype == 0x0108, "CreatePermission for %s and %s: 0x%04x %s" % (
        peer4, peer6, rtype, error_code(a) or ""))
    channel = {FAM4: 0x4000, FAM6: 0x4001}
    for fam, ip in ((FAM4, peer4), (FAM6, peer6)):
        rtype, _, a = c.signed(0x0009, [
            lambda t, ip=ip: attr(ATTR_XOR_PEER, xor_addr(ip, PEER_PORT, t)),
            attr(ATTR_CHANNEL, struct.pack("!HH", channel[fam], 0))])
        check(rtype == 0x0109, "ChannelBind 0x%04x to %s: 0x%04x %s" % (
            channel[fam], ip, rtype, error_code(a) or ""))

    def relay_round(fams, n, tag):
        """n datagrams per family, interleaved; each peer echoes to its
        source.  @return {fam: (to_peer, right_source, echoed)}."""
        got = {f: [0, 0, 0] for f in fams}
        for i in range(n):
            for f in fams:
                body = b"%s-%d-%d" % (tag, f, i)
                c.sock.sendto(struct.pack("!HH", channel[f], len(body)) +
                              body + b"\0" * ((4 - len(body) % 4) % 4),
                              server)
        end = time.monotonic() + 2.0
        want = n * len(fams)
        while time.monotonic() < end and \
                sum(g[2] for g in got.values()) < want:
            for f in fams:
                try:
                    data, src = peers[f].recvfrom(2048)
                except BlockingIOError:
                    continue
                got[f][0] += 1
                if (src[0], src[1]) == relay_of[f]:
                    got[f][1] += 1
                peers[f].sendto(data, src)
            c.sock.settimeout(0.01)
            try:
                while True:
                    c.channel_data.append(c.sock.recv(2048))
            except socket.timeout:
                pass
            for d in c.channel_data:
                num, ln = struct.unpack_from("!HH", d)
                for f in fams:
                    if num == channel[f] and d[4:4 + ln].startswith(
                            b"%s-%d-" % (tag, f)):
                        got[f][2] += 1
            c.channel_data = []
        return got

    got = relay_round((FAM4, FAM6), count, b"both")
    for f, name in ((FAM4, "IPv4"), (FAM6, "IPv6")):
        to_peer, right, echoed = got[f]
        check(to_peer == count and right == count and echoed == count,
              "both at once, %s peer: %d of %d relayed (%d from %s), "
              "%d echoed back" % (name, to_peer, count, right, relay_of[f],
                                  echoed))

    # A Send indication to the IPv6 peer, too.
    send, _ = message(0x0016, [
        lambda t: attr(ATTR_XOR_PEER, xor_addr(peer6, PEER_PORT, t)),
        attr(ATTR_DATA, b"send-indication-v6")])
    c.sock.sendto(send, server)
    end, seen = time.monotonic() + 2.0, None
    while time.monotonic() < end and seen is None:
        try:
            seen = peers[FAM6].recvfrom(2048)
        except BlockingIOError:
            time.sleep(0.01)
    check(seen is not None and seen[0] == b"send-indication-v6" and
          (seen[1][0], seen[1][1]) == relay_of[FAM6],
          "Send indication to the IPv6 peer from the IPv6 relayed address")

    # Give the IPv6 relayed address up.
    rtype, _, a = c.signed(0x0004, [attr(ATTR_LIFETIME, b"\0\0\0\0"),
                                    attr(ATTR_RAF, bytes([FAM6, 0, 0, 0]))])
    check(rtype == 0x0104, "Refresh, REQUESTED-ADDRESS-FAMILY IPv6, "
          "LIFETIME 0: 0x%04x %s" % (rtype, error_code(a) or ""))
    rtype, _, a = c.signed(0x0008, perm[1:])
    check(rtype == 0x0118 and error_code(a) == 443,
          "then an IPv6 permission: 0x%04x %s (443 wanted)" % (
              rtype, error_code(a)))
    got = relay_round((FAM4, FAM6), 5, b"after")
    check(got[FAM6][0] == 0, "then nothing reaches the IPv6 peer (%d did)" %
          got[FAM6][0])
    check(got[FAM4][2] == 5, "and IPv4 goes on (%d of 5 echoed)" %
          got[FAM4][2])

    rtype, _, a = c.signed(0x0004, [attr(ATTR_LIFETIME, b"\0\0\0\0")])
    check(rtype == 0x0104, "Refresh LIFETIME 0 deletes it: 0x%04x" % rtype)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
