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


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + udp


def main():
    out, count, client = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = sys.argv[4] if len(sys.argv) > 4 else "192.0.2.53"
    c = bytes(int(x) for x in client.split("."))
    s = bytes(int(x) for x in server.split("."))
    ps = pairs()
    t = 1764115200 * 1000000  # µs
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def pkt(ts, data):
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), len(data)))
            f.write(data)

        for i in range(count):
            _, q, r = ps[i % len(ps)]
            qid = struct.pack("!H", (i * 7919 + 1) & 0xFFFF)
            port = 20000 + i % 40000
            pkt(t, frame(c, s, port, 53, qid + q[2:]))
            if i != count - 1:
                pkt(t + 500, frame(s, c, 53, port, qid + r[2:]))
            t += 1000
        # a last packet far later, so the engine's clock passes the timeout
        pkt(t + 30 * 1000000, frame(c, s, 19999, 53, b"\x00\x00" + ps[0][1][2:]))


if __name__ == "__main__":
    main()
