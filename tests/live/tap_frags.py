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
FAMILY is one of:
  4, 6, 6hbh       one UDP query (6hbh: IPv6 with a hop-by-hop extension header)
  6frag            IPv6, the query sent as the first fragment of a datagram
                   whose rest never comes
  4split, 6split   one UDP query as two IP fragments (the first with the UDP
                   header and 16 bytes of the message)
  4splitrev        the same over IPv4, its later fragment sent first (as
                   reordered on a network)
  answer4splitrev, the other way round: waits (5 s) for a UDP query the kernel
  answer6splitrev  sends out of the tap to SRC:SPORT and answers it from there
                   (an A record, 192.0.2.77) as two IP fragments, the later
                   one first; the first holds the header and the question.
                   DST, DPORT, ID, NAME and QTYPE are ignored (the query's)
  4vlan, 6vlan,    a UDP query with an 802.1Q tag (VLAN 100), or an 802.1ad and
  4qinq            an 802.1Q tag, left in the frame as by a NIC without receive
                   VLAN offload, the whole frame in the linear area; with
                   "-paged" (as 4vlan-paged), tags and all in a fragment
  tcp4             a TCP connection over IPv4 (handshake, the query, the answer
                   read back from the tap, then RST)
Unless said otherwise, every frame is sent with its headers in a fragment.
QTYPE is a number. Prints "sent N" after each ("error: ..."
when the TCP peer does not answer). The device lives until stdin closes.
--flood: the first line's packet is written again and again for SECONDS
(bench/bpf_cost.sh), then "sent N".
"""
import fcntl
import ipaddress
import os
import select
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
    elif family == "6frag":  # Fragment header: offset 0, more fragments
        ext, nxt = struct.pack("!BBHI", 17, 0, 1, sport), 44
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(ext) + ulen, nxt, 64, s.packed, d.packed)
    return dst_mac + src_mac + b"\x86\xdd" + ip + ext + udp


def split_frames(family: str, dst_mac: bytes, src_mac: bytes, src: str, dst: str,
                 sport: int, dport: int, payload: bytes, cut: int = 24) -> list:
    """The UDP datagram of frame(family) as two IP fragments, split cut bytes
    in (a multiple of 8)."""
    whole = frame(family, dst_mac, src_mac, src, dst, sport, dport, payload)
    hdr = 14 + (20 if family == "4" else 40)
    udp = whole[hdr:]
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    frames = []
    for off, part, more in ((0, udp[:cut], 1), (cut, udp[cut:], 0)):
        if family == "4":
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), sport,
                             (off // 8) | (more << 13), 64, 17, 0, s.packed, d.packed)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frames.append(dst_mac + src_mac + b"\x08\x00" + ip + part)
        else:
            fh = struct.pack("!BBHI", 17, 0, off | more, sport)
            ip = struct.pack("!IHBB16s16s", 0x60000000, 8 + len(part), 44, 64,
                             s.packed, d.packed)
            frames.append(dst_mac + src_mac + b"\x86\xdd" + ip + fh + part)
    return frames


def tcp4_frame(dst_mac: bytes, src_mac: bytes, src: str, dst: str, sport: int, dport: int,
               seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = s.packed + d.packed + struct.pack("!xBH", 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), sport, 0x4000, 64, 6, 0,
                     s.packed, d.packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def tap_frames(fd: int, deadline: float):
    """The frames the kernel sends out of the tap, until the deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return
        yield os.read(fd, 65536)


def read_tcp4(fd: int, sport: int, deadline: float):
    """The next TCP segment to sport the kernel sends out of the tap:
    (seq, flags, payload), or None at the deadline."""
    for f in tap_frames(fd, deadline):
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        t = f[14 + ihl:]
        dp, seq, off, flags = struct.unpack("!2xHI4xBB", t[:14])
        if dp == sport:
            return seq, flags, t[(off >> 4) * 4:]
    return None


def tcp4_exchange(fd, dst_mac, src_mac, src, dst, sport, dport, query) -> str:
    """Handshake, the query (length-prefixed), the answer, RST."""
    SYN, RST, PSH, ACK = 0x02, 0x04, 0x08, 0x10
    deadline = time.monotonic() + 5
    iss = 1000

    def send(seq, ack, flags, data=b""):
        os.writev(fd, [b"", tcp4_frame(dst_mac, src_mac, src, dst, sport, dport,
                                       seq, ack, flags, data)])

    send(iss, 0, SYN)
    seg = read_tcp4(fd, sport, deadline)
    if not seg or seg[1] & (SYN | ACK) != SYN | ACK:
        return "error: no SYN-ACK"
    rcv = (seg[0] + 1) & 0xFFFFFFFF
    send(iss + 1, rcv, ACK)
    msg = struct.pack("!H", len(query)) + query
    send(iss + 1, rcv, PSH | ACK, msg)
    answer = b""
    while len(answer) < 2 or len(answer) < 2 + struct.unpack("!H", answer[:2])[0]:
        seg = read_tcp4(fd, sport, deadline)
        if not seg:
            return "error: no answer"
        if seg[2]:
            answer += seg[2]
            rcv = (seg[0] + len(seg[2])) & 0xFFFFFFFF
            send(iss + 1 + len(msg), rcv, ACK)
    send(iss + 1 + len(msg), rcv, RST | ACK)
    return ""


def read_udp_query(fd: int, server: str, port: int, deadline: float):
    """The next UDP datagram (IPv4, or IPv6 without extension headers) the
    kernel sends out of the tap to server:port: (client address, client
    port, DNS message), or None at the deadline."""
    want = ipaddress.ip_address(server)
    for f in tap_frames(fd, deadline):
        if want.version == 4 and len(f) >= 42 and f[12:14] == b"\x08\x00" and \
                f[23] == 17 and f[30:34] == want.packed:
            client, u = f[26:30], f[14 + (f[14] & 15) * 4:]
        elif want.version == 6 and len(f) >= 62 and f[12:14] == b"\x86\xdd" and \
                f[20] == 17 and f[38:54] == want.packed:
            client, u = f[22:38], f[54:]
        else:
            continue
        sp, dp, ulen = struct.unpack("!HHH", u[:6])
        if dp == port:
            return str(ipaddress.ip_address(client)), sp, u[8:ulen]
    return None


def answer_splitrev(fd, dst_mac, src_mac, server: str, port: int) -> str:
    """Answer one query from server:port as two fragments, the later first."""
    q = read_udp_query(fd, server, port, time.monotonic() + 5)
    if not q:
        return "error: no query"
    client, cport, msg = q
    end = 12
    while msg[end] != 0:  # the question's name, uncompressed
        end += 1 + msg[end]
    question = msg[12:end + 5]
    flags = 0x8400 | (struct.unpack("!H", msg[2:4])[0] & 0x0100)  # QR AA, RD kept
    answer = msg[:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0) + question + \
        struct.pack("!HHHIH4s", 0xC00C, 1, 1, 300, 4, bytes([192, 0, 2, 77]))
    cut = (8 + 12 + len(question) + 7) // 8 * 8
    family = str(ipaddress.ip_address(server).version)
    frames = split_frames(family, dst_mac, src_mac, server, client, port, cport, answer, cut)
    for f in reversed(frames):
        os.writev(fd, [b"", f])
    return ""


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
        src_mac = bytes.fromhex(src_mac.replace(":", ""))
        query = dns_query(int(qid), qname, int(qtype))
        if family in ("tcp4", "answer4splitrev", "answer6splitrev"):  # exchanges
            if family == "tcp4":
                err = tcp4_exchange(fd, dst_mac, src_mac, src, dst, int(sport), int(dport),
                                    query)
            else:
                err = answer_splitrev(fd, dst_mac, src_mac, src, int(sport))
            if err:
                print(err, flush=True)
                continue
            sent += 1
            print(f"sent {sent}", flush=True)
            continue
        if family.endswith(("split", "splitrev")):  # headers in a page fragment
            frames = split_frames(family[0], dst_mac, src_mac, src, dst, int(sport),
                                  int(dport), query)
            if family.endswith("rev"):
                frames.reverse()
            for f in frames:
                os.writev(fd, [b"", f])
            sent += 1
            print(f"sent {sent}", flush=True)
            continue
        paged = family.endswith("-paged")
        tagged = family.removesuffix("-paged")
        base = tagged.replace("vlan", "").replace("qinq", "")
        pkt = frame(base, dst_mac, src_mac, src, dst, int(sport), int(dport), query)
        iov = [b"", pkt]  # empty linear part: all of the frame in a fragment
        if tagged != base:  # tags after the MAC addresses
            tags = b"\x88\xa8\x00\xc8" if tagged.endswith("qinq") else b""
            pkt = pkt[:12] + tags + b"\x81\x00\x00\x64" + pkt[12:]
            iov = [b"", pkt] if paged else [pkt]
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
