#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write a pcap of DNS transactions for the zmq live tests (stdlib only).

Each transaction is a real query/response pair from tests/data/wire/ with
its own DNS id and client port, so every one is distinct; the last query
gets no response (a timeout). Ethernet/IPv4/UDP, 1 ms apart.

    zmq_mkpcap.py OUT.pcap COUNT CLIENT_IP [SERVER_IP]
"""
import os
import struct
import sys

from mkpcap_lib import frame, write_pcap

WIRE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "wire")
SKIP = {"many_tcp", "many_udp_tc"}  # TCP-sized; keep every packet a plain UDP datagram


def pairs():
    names = sorted({f.split(".")[0] for f in os.listdir(WIRE) if f.endswith(".query.bin")})
    out = []
    for n in names:
        if n in SKIP:
            continue
        with open(os.path.join(WIRE, n + ".query.bin"), "rb") as f:
            q = f.read()
        with open(os.path.join(WIRE, n + ".response.bin"), "rb") as f:
            r = f.read()
        out.append((n, q, r))
    return out


def main():
    out, count, client = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = sys.argv[4] if len(sys.argv) > 4 else "192.0.2.53"
    ps = pairs()
    packets = []
    t = 1764115200 * 10**9  # ns
    for i in range(count):
        _, q, r = ps[i % len(ps)]
        qid = struct.pack("!H", (i * 7919 + 1) & 0xFFFF)
        port = 20000 + i % 40000
        packets.append((t, frame(client, server, port, 53, qid + q[2:])))
        if i != count - 1:
            packets.append((t + 500000, frame(server, client, 53, port, qid + r[2:])))
        t += 1000000
    # a last packet far later, so the engine's clock passes the timeout
    packets.append((t + 30 * 10**9, frame(client, server, 19999, 53, b"\x00\x00" + ps[0][1][2:])))
    write_pcap(out, packets)


if __name__ == "__main__":
    main()
