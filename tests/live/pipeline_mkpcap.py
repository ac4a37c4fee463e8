#!/usr/bin/env python3
"""Write a pcap of synthetic DNS traffic for the pipeline tests.

pipeline_mkpcap.py OUT.pcap [--pairs N] [--timeouts N] [--nxdomain N] [--rate PER_S]

Each pair is an A query from 10.0.0.1:<port> to 10.0.0.53:53 and its answer
(NOERROR, 192.0.2.x) 1 ms later; names are q<i>.example.com (pairs),
nx<i>.example.net (NXDOMAIN answers) and lost<i>.example.org (no answer).
Prints the expected counts as JSON on stdout.
"""
import argparse
import json
import struct

from mkpcap_lib import frame, name_wire, write_pcap


def dns_msg(qid, name, qtype=1, response=False, rcode=0, answer_ip=None):
    flags = 0x0100  # RD
    if response:
        flags |= 0x8000 | 0x0080 | rcode
    an = 1 if answer_ip else 0
    msg = struct.pack("!HHHHHH", qid, flags, 1, an, 0, 0)
    msg += name_wire(name) + struct.pack("!HH", qtype, 1)
    if answer_ip:
        msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes(answer_ip)
    return msg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--pairs", type=int, default=100)
    ap.add_argument("--timeouts", type=int, default=0)
    ap.add_argument("--nxdomain", type=int, default=0)
    ap.add_argument("--rate", type=float, default=1000.0, help="transactions per second")
    ap.add_argument("--start", type=float, default=1790000000.0)
    ap.add_argument("--odd", action="store_true",
                    help="add answered queries whose names hold '\"', ']', '\\', ' ', '='")
    a = ap.parse_args()

    client, server = [10, 0, 0, 1], [10, 0, 0, 53]
    packets = []
    t = int(round(a.start * 1e9))  # integer ns: exact 1 ms answer delays
    step = int(round(1e9 / a.rate))
    n = 0
    kinds = [("ok", i) for i in range(a.pairs)] + [("nx", i) for i in range(a.nxdomain)] + \
        [("lost", i) for i in range(a.timeouts)]
    if a.odd:
        kinds += [("odd", 0), ("odd", 1), ("odd", 2)]
    for kind, i in kinds:
        qid = (n * 7919 + 1) & 0xFFFF
        sport = 10000 + (n % 50000)
        if kind == "ok":
            name = "q%d.example.com" % i
        elif kind == "nx":
            name = "nx%d.example.net" % i
        elif kind == "odd":
            name = ['we"ird]x.example.com', 'back\\slash.example.com', 'sp ace=eq.example.com'][i]
        else:
            name = "lost%d.example.org" % i
        packets.append((t, frame(client, server, sport, 53, dns_msg(qid, name))))
        if kind in ("ok", "odd"):
            ip = [192, 0, 2, i % 250 + 1]
            packets.append((t + 1000000, frame(server, client, 53, sport,
                                             dns_msg(qid, name, response=True, answer_ip=ip))))
        elif kind == "nx":
            packets.append((t + 1000000, frame(server, client, 53, sport,
                                             dns_msg(qid, name, response=True, rcode=3))))
        t += step
        n += 1
    write_pcap(a.out, packets)
    print(json.dumps({"transactions": len(kinds), "ok": a.pairs + (3 if a.odd else 0), "nxdomain": a.nxdomain,
                      "timeouts": a.timeouts, "packets": len(packets)}))


if __name__ == "__main__":
    main()
