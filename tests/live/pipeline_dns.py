#!/usr/bin/env python3
"""Loopback DNS traffic for the pipeline tests (no system resolver involved).

pipeline_dns.py serve PORT                 answer A queries with 192.0.2.1 (NXDOMAIN for nx*)
pipeline_dns.py query PORT COUNT [RATE]    send COUNT queries (q<i>.example.com), wait for
                                           each answer; prints {"sent":N,"answered":N}
"""
import json
import socket
import struct
import sys
import time

from mkpcap_lib import name_wire


def serve(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        data, addr = s.recvfrom(4096)
        if len(data) < 12:
            continue
        qid, flags, qd = struct.unpack("!HHH", data[:6])
        end = 12
        while end < len(data) and data[end] != 0:
            end += data[end] + 1
        if end + 5 > len(data):
            continue  # not a question we can answer (another test's packet)
        question = data[12:end + 5]
        qname = data[13:13 + data[12]].decode(errors="replace")
        if qname.startswith("nx"):
            s.sendto(struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question, addr)
            continue
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
        s.sendto(struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + answer, addr)


def query(port, count, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    answered = 0
    t0 = time.monotonic()
    for i in range(count):
        qid = (i * 7919 + 1) & 0xFFFF
        msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name_wire("q%d.example.com" % i) + \
            struct.pack("!HH", 1, 1)
        s.sendto(msg, ("127.0.0.1", port))
        try:
            data = s.recv(4096)
            if struct.unpack("!H", data[:2])[0] == qid:
                answered += 1
        except socket.timeout:
            pass
        if rate:
            delay = t0 + (i + 1) / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    print(json.dumps({"sent": count, "answered": answered}))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        query(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0)
