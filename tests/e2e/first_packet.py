#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""How long the first datagram to a peer the relay has never reached takes.

For each peer address given (each fresh: no neighbour entry anywhere yet),
a TURN client allocates (long-term credentials), creates a permission for
the peer (which starts the relay resolving the peer's MAC) and, as soon as
the success response arrives, sends a Send indication; a socket on the peer
address times its arrival.  A second Send right after shows the warm path.
Prints one line per peer and a summary:

    peer 10.0.0.20: cold 1.234 ms, warm 0.210 ms
    first_packet cold_ms median=... max=... warm_ms median=... max=...

Run inside the client namespace of the e2e sandbox (tests/e2e/sandbox.sh),
where the peer addresses are local.  Exit 0 when every datagram arrived,
1 otherwise.

Usage: first_packet.py SERVER PORT CLIENT_IP USER PASS PEER_IP...
"""
import socket
import statistics
import sys
import time

from stun_lite import REQUESTED_UDP, attr, long_term, message, transact, \
    xor_addr

PEER_PORT = 40000


def allocate(sock, server, user, password):
    rtype, a = transact(sock, server, 0x0003, [REQUESTED_UDP])
    if rtype != 0x0113:
        raise RuntimeError("Allocate: 0x%04x" % rtype)
    key, cred = long_term(user, password, a[0x0014], a[0x0015])
    rtype, a = transact(sock, server, 0x0003, [REQUESTED_UDP] + cred, key)
    if rtype != 0x0103:
        raise RuntimeError("Allocate with credentials: 0x%04x" % rtype)
    return key, cred


def one_peer(server, client_ip, user, password, peer_ip):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((client_ip, 0))
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind((peer_ip, PEER_PORT))
    peer.settimeout(3)
    try:
        key, cred = allocate(sock, server, user, password)
        rtype, _ = transact(sock, server, 0x0008,
                            [attr(0x0012, xor_addr(peer_ip, PEER_PORT))] + cred,
                            key)
        if rtype != 0x0108:
            raise RuntimeError("CreatePermission: 0x%04x" % rtype)
        times = []
        for k in range(2):
            send, _ = message(0x0016, [attr(0x0012, xor_addr(peer_ip, PEER_PORT)),
                                       attr(0x0013, b"first-%d" % k)])
            t0 = time.monotonic()
            sock.sendto(send, server)
            while peer.recv(2048) != b"first-%d" % k:
                pass
            times.append((time.monotonic() - t0) * 1000)
        # Done with the allocation: lifetime 0.
        transact(sock, server, 0x0004, [attr(0x000d, b"\0\0\0\0")] + cred, key)
        return times
    finally:
        sock.close()
        peer.close()


def main():
    if len(sys.argv) < 7:
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    server = (sys.argv[1], int(sys.argv[2]))
    client_ip, user, password = sys.argv[3:6]
    cold, warm = [], []
    for peer_ip in sys.argv[6:]:
        try:
            c, w = one_peer(server, client_ip, user, password, peer_ip)
        except (OSError, RuntimeError) as e:
            print("peer %s: %s" % (peer_ip, e))
            return 1
        cold.append(c)
        warm.append(w)
        print("peer %s: cold %.3f ms, warm %.3f ms" % (peer_ip, c, w))
    print("first_packet cold_ms median=%.3f max=%.3f warm_ms median=%.3f "
          "max=%.3f n=%d" % (statistics.median(cold), max(cold),
                             statistics.median(warm), max(warm), len(cold)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
