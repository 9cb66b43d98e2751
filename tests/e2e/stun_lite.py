# SPDX-License-Identifier: BSD-3-Clause
"""The little STUN/TURN codec the e2e probes share (RFC 8489, RFC 8656).

dual_probe.py, first_packet.py and flood.py run as scripts from
tests/e2e, so Python puts this folder on sys.path and they import this
module by name.  Enough to build a request (attributes, MESSAGE-INTEGRITY
under a long-term key) and to read an answer (its attributes, XOR
addresses); nothing here sends or waits, except transact().
"""
import hashlib
import hmac
import os
import socket
import struct

COOKIE = 0x2112A442
FAM4, FAM6 = 0x01, 0x02
ATTR_USERNAME, ATTR_MESSAGE_INTEGRITY = 0x0006, 0x0008
ATTR_REALM, ATTR_NONCE = 0x0014, 0x0015
ATTR_REQUESTED_TRANSPORT = 0x0019


def attr(t, v):
    """One attribute, padded to a multiple of 4 bytes."""
    return struct.pack("!HH", t, len(v)) + v + b"\0" * ((4 - len(v) % 4) % 4)


# REQUESTED-TRANSPORT UDP (RFC 8656 section 14.7), every Allocate's.
REQUESTED_UDP = attr(ATTR_REQUESTED_TRANSPORT, struct.pack("!I", 17 << 24))


def family_of(ip):
    return FAM6 if ":" in ip else FAM4


def xor_addr(ip, port, tid=b""):
    """XOR-*-ADDRESS value (RFC 8489 section 14.2); an IPv6 address needs
    the transaction ID @tid."""
    fam = family_of(ip)
    raw = socket.inet_pton(socket.AF_INET6 if fam == FAM6 else socket.AF_INET,
                           ip)
    pad = struct.pack("!I", COOKIE) + tid
    x = bytes(b ^ pad[i] for i, b in enumerate(raw))
    return struct.pack("!BBH", 0, fam, port ^ (COOKIE >> 16)) + x


def xor_addr_decode(v, tid):
    """(ip, port) of an XOR-*-ADDRESS value."""
    fam, xport = v[1], struct.unpack_from("!H", v, 2)[0]
    pad = struct.pack("!I", COOKIE) + tid
    raw = bytes(b ^ pad[i] for i, b in enumerate(v[4:]))
    af = socket.AF_INET6 if fam == FAM6 else socket.AF_INET
    return socket.inet_ntop(af, raw), xport ^ (COOKIE >> 16)


def message(mtype, attrs, key=None, tid=None):
    """A message and its transaction ID (random unless @tid is given).
    @attrs: encoded attributes, or callables given the transaction ID that
    return one (an XOR address of IPv6 needs it).  With @key, a
    MESSAGE-INTEGRITY over the header with its final length."""
    tid = tid or os.urandom(12)
    body = b"".join(a(tid) if callable(a) else a for a in attrs)
    if key is not None:
        hdr = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tid
        body += attr(ATTR_MESSAGE_INTEGRITY,
                     hmac.new(key, hdr + body, hashlib.sha1).digest())
    return struct.pack("!HHI", mtype, len(body), COOKIE) + tid + body, tid


def parse(data):
    """Type, transaction ID and every attribute, in order, as a list of
    (type, value); stops at the message's length or the datagram's end."""
    mtype, length = struct.unpack_from("!HH", data)
    attrs, off = [], 20
    while off + 4 <= 20 + length and off + 4 <= len(data):
        t, n = struct.unpack_from("!HH", data, off)
        attrs.append((t, data[off + 4:off + 4 + n]))
        off += 4 + n + (4 - n % 4) % 4
    return mtype, data[8:20], attrs


def first(attrs, t):
    """The first value of attribute type @t in a parse() list, or None."""
    return next((v for k, v in attrs if k == t), None)


def by_type(attrs):
    """A parse() list as a dict: each type's first value."""
    out = {}
    for t, v in attrs:
        out.setdefault(t, v)
    return out


def long_term(user, password, realm, nonce):
    """The long-term credential key (RFC 8489 section 9.2.2) and the
    USERNAME, REALM and NONCE attributes a signed request carries, in that
    order (a fresh nonce replaces [2])."""
    key = hashlib.md5(b"%s:%s:%s" % (user.encode(), realm,
                                     password.encode())).digest()
    return key, [attr(ATTR_USERNAME, user.encode()), attr(ATTR_REALM, realm),
                 attr(ATTR_NONCE, nonce)]


def transact(sock, server, mtype, attrs, key=None):
    """Send with RFC 8489-style retransmissions (bounded: 6 tries, 3 s);
    @return the answer's type and by_type() attributes.  Datagrams too short
    for a STUN header, and answers to other transactions, are skipped."""
    msg, tid = message(mtype, attrs, key)
    for _ in range(6):
        sock.sendto(msg, server)
        sock.settimeout(0.5)
        try:
            while True:
                data = sock.recv(2048)
                if len(data) < 20:
                    continue
                rtype, rtid, rattrs = parse(data)
                if rtid == tid:
                    return rtype, by_type(rattrs)
        except socket.timeout:
            continue
    raise RuntimeError("no answer to 0x%04x" % mtype)
