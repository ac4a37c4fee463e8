#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for fuzz_engine from the recorded wire messages (tests/data/wire):
records of [ctrl][seq delta][clock step][len hi][len lo][payload], see
fuzz_engine.c. ctrl: bits 0-1 client port, bit 2 server->client, bit 3 TCP,
bit 4 capture cut, bits 5-7 TCP FIN/SYN/RST.

    tests/fuzz/make-engine-seeds.py   (writes tests/fuzz/engine/)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
WIRE = os.path.join(HERE, "..", "data", "wire")
OUT = os.path.join(HERE, "engine")


def wire(name):
    with open(os.path.join(WIRE, name + ".bin"), "rb") as f:
        return f.read()


def rec(ctrl, payload, jump=0, step=0):
    return struct.pack("!BbBH", ctrl, jump, step, len(payload)) + payload


def framed(msg):
    return struct.pack("!H", len(msg)) + msg


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for name in ("a", "aaaa", "txt", "nxdomain", "svcb", "weird_owner"):
        q, r = wire(name + ".query"), wire(name + ".response")
        seeds["udp_" + name] = rec(0, q) + rec(4, r, step=1) + rec(4, r)
    q, r = wire("many_tcp.query"), wire("many_tcp.response")
    fr = framed(r)
    seeds["tcp_split"] = (rec(8 | 0x40, b"") + rec(8, framed(q)) +
                          rec(8 | 4, fr[:300], step=1) + rec(8 | 4 | 0x20, fr[300:]))
    seeds["tcp_cut"] = rec(8, framed(q)) + rec(8 | 4 | 0x10, fr[:400])
    seeds["retransmit_timeout"] = (rec(1, wire("mx.query")) + rec(1, wire("mx.query"), step=100) +
                                   rec(2, wire("soa.query"), jump=127))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
