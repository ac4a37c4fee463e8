#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A tap device that hands the kernel packets built from page fragments.

Opened with IFF_NAPI | IFF_NAPI_FRAGS, tun puts every iovec after the first
of a write into a page fragment of the skb, as NIC drivers that build skbs
with napi_gro_frags() do. With an empty first iovec and GRO off on the
device (ethtool -K DEV gro off), only the Ethernet header is pulled into the
linear area: the IP and UDP headers reach netif_receive_skb in a fragment.

usage: tap_frags.py [--flood SECONDS] IFNAME   (inside the namespace; keep stdin open)
Prints "ready" once the device exists, then reads one query per stdin line:
    FAMILY SRC_MAC SRC DST SPORT DPORT ID NAME QTYPE
FAMILY is 4, 6, or 6hbh (IPv6 with a hop-by-hop extension header); QTYPE a
number. Prints "sent N" after each. The device lives until stdin closes.
--flood: the first line's packet is written again and again for SECONDS
(bench/bpf_cost.sh), then "sent N".
"""
import fcntl
import ipaddress
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkpcap_lib import csum, name_wire  # noqa: E402

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NAPI, IFF_NAPI_FRAGS, IFF_NO_PI = 0x0002, 0x0010, 0x0020, 0x1000


def dns_query(qid: int, name: str, qtype: int) -> bytes:
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name_wire(name) + \
        struct.pack("!HH", qtype, 1)


def frame(family: str, dst_mac: bytes, src_mac: bytes, src: str, dst: str,
          sport: int, dport: int, payload: bytes) -> bytes:
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    ulen = 8 + len(payload)
    if family == "4":
        udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, sport, 0, 64, 17, 0,
                         s.packed, d.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return dst_mac + src_mac + b"\x08\x00" + ip + udp
    pseudo = s.packed + d.packed + struct.pack("!IxxxB", ulen, 17)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ext, nxt = b"", 17
    if family == "6hbh":  # hop-by-hop options: next header UDP, PadN
        ext, nxt = bytes([17, 0, 1, 4, 0, 0, 0, 0]), 0
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(ext) + ulen, nxt, 64, s.packed, d.packed)
    return dst_mac + src_mac + b"\x86\xdd" + ip + ext + udp


def main() -> int:
    args = sys.argv[1:]
    flood = 0.0
    if len(args) == 3 and args[0] == "--flood":
        flood, args = float(args[1]), args[2:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    name = args[0]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    flags = IFF_TAP | IFF_NO_PI | IFF_NAPI | IFF_NAPI_FRAGS
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), flags))
    print("ready", flush=True)
    sent = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        family, src_mac, src, dst, sport, dport, qid, qname, qtype = line.split()
        with open(f"/sys/class/net/{name}/address") as f:
            dst_mac = bytes.fromhex(f.read().strip().replace(":", ""))
        pkt = frame(family, dst_mac, bytes.fromhex(src_mac.replace(":", "")), src, dst,
                    int(sport), int(dport), dns_query(int(qid), qname, int(qtype)))
        iov = [b"", pkt]  # empty linear part: all of it in a fragment
        if flood:
            end = time.monotonic() + flood
            while time.monotonic() < end:
                for _ in range(1000):
                    os.writev(fd, iov)
                sent += 1000
        else:
            os.writev(fd, iov)
            sent += 1
        print(f"sent {sent}", flush=True)
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
