#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpus for fuzz_frame_parse: recorded DNS messages wrapped in frames
of each link type. Byte 0 picks the link type (index into the fuzzer's
table), byte 1 the extra wire length. Python 3 stdlib only.

    tests/fuzz/make-frame-seeds.py     # writes tests/fuzz/frames/
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
WIRE = os.path.join(HERE, "..", "data", "wire")
OUT = os.path.join(HERE, "frames")

# index in fuzz_frame_parse.c's table
NULL, EN10MB, RAW, LOOP, SLL, IPV4, IPV6, RAW_LT, SLL2 = range(9)


def ipv4(proto, l4, frag=0):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, frag, 64, proto, 0,
                       bytes([192, 0, 2, 10]), bytes([192, 0, 2, 53])) + l4


def ipv6(next_hdr, l4, ext=b""):
    src = bytes.fromhex("20010db8000000000000000000000010")
    dst = bytes.fromhex("20010db8000000000000000000000053")
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(l4), next_hdr, 64) + src + dst + ext + l4


def udp(p):
    return struct.pack("!HHHH", 40000, 53, 8 + len(p), 0) + p


def tcp(p):
    return struct.pack("!HHIIBBHHH", 53, 40001, 1, 0, 0x50, 0x18, 65535, 0, 0) + \
        struct.pack("!H", len(p)) + p


def main():
    os.makedirs(OUT, exist_ok=True)
    q = open(os.path.join(WIRE, "a.query.bin"), "rb").read()
    r = open(os.path.join(WIRE, "mx.response.bin"), "rb").read()
    eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02"
    hop = bytes([60, 0, 1, 4, 0, 0, 0, 0])  # hop-by-hop -> dstopts
    dst = bytes([44, 0, 1, 4, 0, 0, 0, 0])  # dstopts -> fragment
    frag = bytes([17, 0, 0, 0, 0, 0, 0, 1])  # atomic fragment -> UDP
    seeds = {
        "eth_v4_udp": bytes([EN10MB, 0]) + eth + b"\x08\x00" + ipv4(17, udp(q)),
        "eth_vlan_v6_udp": bytes([EN10MB, 0]) + eth + b"\x81\x00\x00\x64\x86\xdd" + ipv6(17, udp(q)),
        "eth_v4_tcp": bytes([EN10MB, 0]) + eth + b"\x08\x00" + ipv4(6, tcp(r)),
        "raw_v6_ext": bytes([RAW, 0]) + ipv6(0, udp(q), hop + dst + frag),
        "raw_v4_frag": bytes([RAW, 0]) + ipv4(17, udp(q), 0x2000),
        "sll_v4_udp": bytes([SLL, 0]) + struct.pack("!HHH8sH", 4, 772, 6, b"", 0x0800) + ipv4(17, udp(r)),
        "sll2_v6_tcp": bytes([SLL2, 0x90]) + struct.pack("!HHIHBB8s", 0x86dd, 0, 1, 772, 0, 6, b"") +
        ipv6(6, tcp(r)),
        "null_v4": bytes([NULL, 0]) + struct.pack("<I", 2) + ipv4(17, udp(q)),
        "loop_v6": bytes([LOOP, 0]) + struct.pack("!I", 30) + ipv6(17, udp(q)),
        "ipv4_link": bytes([IPV4, 0]) + ipv4(17, udp(r)),
        "ipv6_link": bytes([IPV6, 0]) + ipv6(17, udp(r)),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
