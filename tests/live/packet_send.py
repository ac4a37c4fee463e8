#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends one DNS query as a whole Ethernet frame through a packet socket
(AF_PACKET, SOCK_RAW), as a scanner that bypasses the UDP stack would.

usage: packet_send.py IFNAME DST_MAC FAMILY SRC DST SPORT DPORT ID NAME QTYPE
FAMILY is 4 or 6 (as tap_frags.py); run it inside the sender's namespace.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap_frags  # noqa: E402  (frame and query builders)


def main() -> int:
    if len(sys.argv) != 11:
        print(__doc__, file=sys.stderr)
        return 2
    ifname, dst_mac, family, src, dst, sport, dport, qid, name, qtype = sys.argv[1:]
    with open(f"/sys/class/net/{ifname}/address") as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    pkt = tap_frags.frame(family, bytes.fromhex(dst_mac.replace(":", "")), src_mac, src, dst,
                          int(sport), int(dport),
                          tap_frags.dns_query(int(qid), name, int(qtype)))
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((ifname, 0))
        s.send(pkt)
    print("sent 1", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
