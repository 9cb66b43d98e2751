# SPDX-License-Identifier: BSD-3-Clause
"""fleet_client.py: the TURN client of tests/e2e/test_fleet.sh.

Each Allocate comes from a new UDP socket (a new allocation), is
challenged (401), then signed with the user's long-term key; the answer is
printed as one line:

    200 relay=IP:PORT        allocated (it stays until its lifetime ends)
    300 alt=IP:PORT          sent to another relay (ALTERNATE-SERVER)
    401 | 486 | 508 | ...    refused with that code
    none                     no answer at all (3 s)

Usage:
  fleet_client.py allocate SERVER PORT BIND USER PASS
  fleet_client.py until-ok SERVER PORT BIND USER PASS SECONDS
      Allocate every 0.1 s until one is answered 200, at most SECONDS;
      prints "ok ELAPSED_S ATTEMPTS" (exit 0) or "timeout LAST" (exit 1).
  fleet_client.py until-refused SERVER PORT BIND USER PASS SECONDS CODE
      The same until one is answered CODE.
  fleet_client.py relay SERVER PORT BIND USER PASS PEER_IP [burst=N] [delete]
      Allocate, permit PEER_IP, send a Send indication to a peer socket on
      PEER_IP and read the peer's answer back as a Data indication; prints
      "relayed" (exit 0) or what went wrong (exit 1).  With burst=N (at
      most 100000), N more Send indications follow, one every 0.5 ms.
      With "delete", then a Refresh with LIFETIME 0 ends the allocation:
      "relayed deleted".
Everything it sends goes to the sandbox's relays and peers.
"""
import os
import socket
import struct
import sys
import time

import stun_lite as s

ALLOCATE, REFRESH, CREATE_PERMISSION = 0x0003, 0x0004, 0x0008
ATTR_LIFETIME = 0x000D
SEND_IND, DATA_IND = 0x0016, 0x0017
ATTR_ERROR_CODE, ATTR_XOR_RELAYED = 0x0009, 0x0016
ATTR_XOR_PEER, ATTR_DATA, ATTR_ALTERNATE = 0x0012, 0x0013, 0x8023


def code_of(rtype, attrs):
    if rtype & 0x0110 == 0x0100:
        return 200
    v = attrs.get(ATTR_ERROR_CODE)
    if v is None or len(v) < 4:
        return 0
    return (v[2] & 7) * 100 + v[3]


def plain_addr(v):
    """(ip, port) of a non-XOR address attribute (ALTERNATE-SERVER)."""
    port = struct.unpack_from("!H", v, 2)[0]
    af = socket.AF_INET6 if v[1] == s.FAM6 else socket.AF_INET
    return socket.inet_ntop(af, v[4:]), port


def allocate(server, bind, user, password, keep=False):
    """One allocation; @return (line, code, socket or None, key, auth)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((bind, 0))
    try:
        rtype, attrs = s.transact(sock, server, ALLOCATE, [s.REQUESTED_UDP])
        if code_of(rtype, attrs) != 401:
            return str(code_of(rtype, attrs)), code_of(rtype, attrs), None, \
                None, None
        key, auth = s.long_term(user, password, attrs[s.ATTR_REALM],
                                attrs[s.ATTR_NONCE])
        rtype, attrs = s.transact(sock, server, ALLOCATE,
                                  [s.REQUESTED_UDP] + auth, key)
    except RuntimeError:
        sock.close()
        return "none", 0, None, None, None
    code = code_of(rtype, attrs)
    if code == 200:
        ip, port = s.xor_addr_decode(attrs[ATTR_XOR_RELAYED], b"")
        line = "200 relay=%s:%d" % (ip, port)
    elif code == 300 and ATTR_ALTERNATE in attrs:
        line = "300 alt=%s:%d" % plain_addr(attrs[ATTR_ALTERNATE])
    else:
        line = str(code)
    if keep and code == 200:
        return line, code, sock, key, auth
    sock.close()
    return line, code, None, None, None


def until(server, bind, user, password, secs, want):
    t0 = time.monotonic()
    attempts, line = 0, ""
    while time.monotonic() - t0 < secs:
        attempts += 1
        line, code, _, _, _ = allocate(server, bind, user, password)
        if code == want:
            print("ok %.2f %d" % (time.monotonic() - t0, attempts))
            return 0
        time.sleep(0.1)
    print("timeout %s" % line)
    return 1


def delete(sock, server, key, auth):
    """Refresh with LIFETIME 0.  @return True when answered 200."""
    rtype, attrs = s.transact(sock, server, REFRESH,
                              [s.attr(ATTR_LIFETIME, struct.pack("!I", 0))]
                              + auth, key)
    return code_of(rtype, attrs) == 200


def relay(server, bind, user, password, peer_ip, then_delete=False,
          burst=0):
    line, code, sock, key, auth = allocate(server, bind, user, password,
                                           keep=True)
    if sock is None:
        print("allocate: %s" % line)
        return 1
    relay_ip, relay_port = line.split("=")[1].rsplit(":", 1)
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind((peer_ip, 0))
    peer.settimeout(2)
    peer_port = peer.getsockname()[1]
    rtype, attrs = s.transact(sock, server, CREATE_PERMISSION,
                              [lambda tid: s.attr(ATTR_XOR_PEER,
                                                  s.xor_addr(peer_ip, 0, tid))]
                              + auth, key)
    if code_of(rtype, attrs) != 200:
        print("permission: %d" % code_of(rtype, attrs))
        return 1
    payload = os.urandom(32)
    msg, _ = s.message(SEND_IND, [
        lambda tid: s.attr(ATTR_XOR_PEER, s.xor_addr(peer_ip, peer_port,
                                                     tid)),
        s.attr(ATTR_DATA, payload)])
    sock.sendto(msg, server)
    try:
        data, src = peer.recvfrom(2048)
    except socket.timeout:
        print("the peer got nothing")
        return 1
    if data != payload or src != (relay_ip, int(relay_port)):
        print("the peer got %r from %r" % (data, src))
        return 1
    peer.sendto(payload[::-1], src)
    sock.settimeout(2)
    try:
        while True:
            data = sock.recv(2048)
            rtype, _, rattrs = s.parse(data)
            if rtype == DATA_IND and \
                    s.by_type(rattrs).get(ATTR_DATA) == payload[::-1]:
                break
    except socket.timeout:
        print("no Data indication back")
        return 1
    for _ in range(burst):
        sock.sendto(msg, server)
        time.sleep(0.0005)
    if not then_delete:
        print("relayed")
        return 0
    try:
        if delete(sock, server, key, auth):
            print("relayed deleted")
            return 0
        print("relayed; the delete was refused")
    except RuntimeError:
        print("relayed; the delete was not answered")
    return 1


def main(argv):
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    mode, ip, port, bind, user, password = argv[1:7]
    server = (ip, int(port))
    if mode == "allocate":
        print(allocate(server, bind, user, password)[0])
        return 0
    if mode == "until-ok" and len(argv) == 8:
        return until(server, bind, user, password, float(argv[7]), 200)
    if mode == "until-refused" and len(argv) == 9:
        return until(server, bind, user, password, float(argv[7]),
                     int(argv[8]))
    if mode == "relay" and len(argv) >= 8:
        burst, then_delete = 0, False
        for opt in argv[8:]:
            if opt == "delete":
                then_delete = True
            elif opt.startswith("burst=") and opt[6:].isdigit() and \
                    int(opt[6:]) <= 100000:
                burst = int(opt[6:])
            else:
                print(__doc__, file=sys.stderr)
                return 2
        return relay(server, bind, user, password, argv[7], then_delete,
                     burst)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
