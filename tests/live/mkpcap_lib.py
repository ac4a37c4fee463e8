# SPDX-License-Identifier: MIT
"""Packet and pcap building blocks shared by the *_mkpcap.py generators (stdlib only).

Ethernet frames around IPv4 or IPv6 UDP datagrams, and a pcap writer with
nanosecond timestamps (magic a1b23c4d) taking integer nanoseconds, so that
durations come out exact.
"""
import ipaddress
import struct


def name_wire(name):
    """A DNS name in wire format (no compression)."""
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\0"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _addr(a):
    return ipaddress.ip_address(bytes(a) if isinstance(a, (list, tuple)) else a)


def frame(src, dst, sport, dport, payload):
    """Ethernet + IPv4/IPv6 + UDP; src/dst as strings, bytes or lists of octets."""
    s, d = _addr(src), _addr(dst)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if s.version == 6:
        ip = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + s.packed + d.packed
        return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x86\xdd" + ip + udp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     s.packed, d.packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp


def write_pcap(path, packets):
    """packets: (timestamp in integer nanoseconds, frame bytes), in any order."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for ts, data in sorted(packets, key=lambda p: p[0]):
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(data), len(data)))
            f.write(data)
