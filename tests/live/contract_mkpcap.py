#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write a pcap holding one transaction of every kind the contract names (stdlib only).

    contract_mkpcap.py OUT.pcap

Every query/response pair of tests/data/wire/ over IPv4 UDP (answers of every
type, TYPE65280 for an unknown one), then, each with its own client port:
an AAAA pair over IPv6, a query never answered (timeout), a response whose
query was never seen (orphan_response), a query answered by a response cut
short in its answer section (malformed), 1 ms apart, answers after 250 us.
"""
import os
import struct
import sys

from mkpcap_lib import frame, name_wire, write_pcap

WIRE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "wire")
SKIP = {"many_tcp", "many_udp_tc"}  # TCP-sized


def msg(qid, name, qtype, flags, answer=None):
    m = struct.pack("!HHHHHH", qid, flags, 1, 1 if answer else 0, 0, 0)
    m += name_wire(name) + struct.pack("!HH", qtype, 1)
    if answer:
        m += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(answer)) + answer
    return m


def main():
    out = sys.argv[1]
    c4, s4 = "10.7.0.1", "10.7.0.53"
    c6, s6 = "2001:db8::1", "2001:db8::53"
    names = sorted({f.split(".")[0] for f in os.listdir(WIRE) if f.endswith(".query.bin")})
    packets = []
    t = 1764115200 * 10**9 + 123456789  # ns; a fraction that shows all 9 digits
    port = 30000
    for i, n in enumerate(x for x in names if x not in SKIP):
        q = open(os.path.join(WIRE, n + ".query.bin"), "rb").read()
        r = open(os.path.join(WIRE, n + ".response.bin"), "rb").read()
        qid = struct.pack("!H", 0x100 + i)
        packets.append((t, frame(c4, s4, port, 53, qid + q[2:])))
        packets.append((t + 250000, frame(s4, c4, 53, port, qid + r[2:])))
        t += 10**6
        port += 1
    aaaa = bytes.fromhex("20010db8000000000000000000000001")
    packets.append((t, frame(c6, s6, port, 53, msg(0x6001, "v6.example.com", 28, 0x0100))))
    packets.append((t + 250000, frame(s6, c6, 53, port,
                                      msg(0x6001, "v6.example.com", 28, 0x8180, aaaa))))
    t, port = t + 10**6, port + 1
    packets.append((t, frame(c4, s4, port, 53, msg(0x7001, "lost.example.com", 1, 0x0100))))
    t, port = t + 10**6, port + 1
    packets.append((t, frame(s4, c4, 53, port,
                             msg(0x7002, "orphan.example.com", 1, 0x8180, b"\xc0\x00\x02\x01"))))
    t, port = t + 10**6, port + 1
    packets.append((t, frame(c4, s4, port, 53, msg(0x7003, "bad.example.com", 1, 0x0100))))
    bad = msg(0x7003, "bad.example.com", 1, 0x8180, b"\xc0\x00\x02\x02")[:-6]
    packets.append((t + 250000, frame(s4, c4, 53, port, bad)))
    write_pcap(out, packets)


if __name__ == "__main__":
    main()
