#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Record real DNS wire messages for the decoder's unit tests.

Starts NSD on 127.0.0.1 and ::1 on a free high port with its own test zone,
sends queries from plain UDP/TCP sockets (dig cannot dump wire bytes) and
writes NAME.query.bin and NAME.response.bin into tests/data/wire/ (no TCP
length prefix). When run as root with tcpdump and dumpcap installed, the same
session is also captured on loopback only (filtered to NSD's port) as
session-lo.pcap (tcpdump, Ethernet) and session-any.pcapng (dumpcap,
Linux cooked); two more queries go over IPv6 there. Python 3 standard
library only; needs the nsd package.

    tests/data/record-wire.py [OUTDIR]
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ZONE = "example.test"

ZONE_TEXT = r"""$ORIGIN example.test.
$TTL 3600
@           IN SOA  ns1.example.test. hostmaster.example.test. 2024010101 7200 900 1209600 300
@           IN NS   ns1
ns1         IN A    192.0.2.53
www         IN A    192.0.2.1
www         IN AAAA 2001:db8::1
alias       IN CNAME alias2
alias2      IN CNAME www
@           IN MX   10 mail
@           IN MX   20 mail2.example.test.
mail        IN A    192.0.2.25
txt         IN TXT  "text" "more" "with \"quotes\" and \\backslash" "caf\195\169"
_sip._udp   IN SRV  10 60 5060 sip
sip         IN A    192.0.2.60
@           IN CAA  0 issue "letsencrypt.org"
@           IN CAA  128 iodef "mailto:security@example.test"
@           IN HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1
svc         IN SVCB 1 svc-backend port=8443 alpn=h2 key65333="hello"
svc-alias   IN SVCB 0 svc.example.test.
unknown     IN TYPE65280 \# 4 0A0B0C0D
weird\.dot\032sp IN TXT "odd owner name"
1.2.0.192.in-addr IN PTR www
@           IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
@           IN DS   2371 13 2 C988EC423E3880EB8DD8A46FE06CA230EE23F35F578E64C9B0C6578F3D3E0E05
@           IN HINFO "PC-Intel-700mhz" "Linux"
"""
# A name with enough records to overflow a 512-byte UDP response (TC bit).
ZONE_TEXT += "".join("many        IN A    198.51.100.%d\n" % i for i in range(1, 61))

NSD_CONF = """server:
    ip-address: 127.0.0.1@{port}
    ip-address: ::1@{port}
    port: {port}
    username: ""
    chroot: ""
    zonesdir: "{dir}"
    pidfile: "{dir}/nsd.pid"
    xfrdfile: "{dir}/xfrd.state"
    zonelistfile: "{dir}/zone.list"
    database: ""
    logfile: "{dir}/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "{zone}"
    zonefile: "{dir}/zone.db"
"""

T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
     "AAAA": 28, "SRV": 33, "DS": 43, "DNSKEY": 48, "SVCB": 64, "HTTPS": 65, "CAA": 257,
     "TYPE65280": 65280, "ANY": 255}


def encode_name(name):
    """Presentation name (with \\. and \\DDD escapes) to wire labels."""
    labels, cur, i = [], bytearray(), 0
    while i < len(name):
        c = name[i]
        if c == "\\" and name[i + 1:i + 4].isdigit():
            cur.append(int(name[i + 1:i + 4]))
            i += 4
            continue
        if c == "\\":
            cur += name[i + 1].encode()
            i += 2
            continue
        if c == ".":
            labels.append(bytes(cur))
            cur = bytearray()
        else:
            cur += c.encode()
        i += 1
    if cur:
        labels.append(bytes(cur))
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def edns_opt(udp=1232, do=False, options=b""):
    ttl = 0x8000 if do else 0
    return b"\0" + struct.pack("!HHIH", 41, udp, ttl, len(options)) + options


def opt_ecs(addr, source):
    raw = socket.inet_aton(addr)[: (source + 7) // 8]
    body = struct.pack("!HBB", 1, source, 0) + raw
    return struct.pack("!HH", 8, len(body)) + body


def opt_cookie(client):
    return struct.pack("!HH", 10, len(client)) + client


def query(qid, name, qtype, rd=True, edns=None):
    flags = 0x0100 if rd else 0
    msg = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns is not None else 0)
    msg += encode_name(name) + struct.pack("!HH", T[qtype], 1)
    if edns is not None:
        msg += edns
    return msg


def ask_udp(port, msg, host="127.0.0.1"):
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                       socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(msg, (host, port))
        return s.recv(65535)


def ask_tcp(port, msg, host="127.0.0.1"):
    with socket.create_connection((host, port), timeout=3) as s:
        s.sendall(struct.pack("!H", len(msg)) + msg)
        hdr = b""
        while len(hdr) < 2:
            hdr += s.recv(2 - len(hdr))
        (n,) = struct.unpack("!H", hdr)
        body = b""
        while len(body) < n:
            chunk = s.recv(n - len(body))
            if not chunk:
                break
            body += chunk
        return body


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# (file name, qname, qtype, transport, edns)
CASES = [
    ("a", "www.example.test", "A", "udp", edns_opt()),
    ("aaaa", "www.example.test", "AAAA", "udp", edns_opt()),
    ("cname_chain", "alias.example.test", "A", "udp", edns_opt()),
    ("mx", "example.test", "MX", "udp", edns_opt()),
    ("txt", "txt.example.test", "TXT", "udp", edns_opt()),
    ("srv", "_sip._udp.example.test", "SRV", "udp", edns_opt()),
    ("soa", "example.test", "SOA", "udp", None),
    ("ns", "example.test", "NS", "udp", None),
    ("caa", "example.test", "CAA", "udp", edns_opt()),
    ("https", "example.test", "HTTPS", "udp", edns_opt()),
    ("svcb", "svc.example.test", "SVCB", "udp", edns_opt()),
    ("svcb_alias", "svc-alias.example.test", "SVCB", "udp", edns_opt()),
    ("many_udp_tc", "many.example.test", "A", "udp", None),
    ("many_tcp", "many.example.test", "A", "tcp", None),
    ("nxdomain", "nope.example.test", "A", "udp", edns_opt()),
    ("unknown_type", "unknown.example.test", "TYPE65280", "udp", edns_opt()),
    ("weird_owner", "weird\\.dot\\032sp.example.test", "TXT", "udp", edns_opt()),
    ("ptr", "1.2.0.192.in-addr.example.test", "PTR", "udp", edns_opt()),
    ("dnskey", "example.test", "DNSKEY", "udp", edns_opt(do=True)),
    ("ds", "example.test", "DS", "udp", edns_opt()),
    ("hinfo", "example.test", "HINFO", "udp", edns_opt()),
    ("refused", "www.example.org", "A", "udp", edns_opt()),
    ("edns_options", "WWW.Example.TEST", "A", "udp",
     edns_opt(udp=4096, do=True,
              options=opt_ecs("192.0.2.0", 24) + opt_cookie(bytes.fromhex("0123456789abcdef")))),
]


def start_captures(port, work):
    """tcpdump on lo (pcap) and dumpcap on any (pcapng), both filtered to
    NSD's port; returns [(process, temp file, final name)]."""
    if os.geteuid() != 0 or not shutil.which("tcpdump") or not shutil.which("dumpcap"):
        print("not capturing: needs root, tcpdump and dumpcap")
        return []
    flt = "port %d" % port
    caps = [
        (["tcpdump", "-Z", "root", "-i", "lo", "-U", "-w", "{f}", flt], "lo.pcap",
         "session-lo.pcap", "listening on"),
        (["dumpcap", "-i", "any", "-f", flt, "-w", "{f}"], "any.pcapng",
         "session-any.pcapng", "Capturing on"),
    ]
    running = []
    for argv, tmp, final, ready in caps:
        path = os.path.join(work, tmp)
        p = subprocess.Popen([a.replace("{f}", path) for a in argv],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in p.stderr:  # wait until it captures
            if ready in line:
                break
        running.append((p, path, final))
    if running:
        time.sleep(1.5)  # "ready" comes a little before the filter is in place
    return running


def stop_captures(running, outdir):
    time.sleep(2)  # TPACKET_V3 hands a block over after up to 1 s: let it
    for p, path, final in running:
        p.send_signal(2)
        p.wait(timeout=10)
        shutil.copyfile(path, os.path.join(outdir, final))
        print("captured", final)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "wire")
    nsd = shutil.which("nsd") or "/usr/sbin/nsd"
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dnstrail-nsd-")
    port = free_port()
    with open(os.path.join(work, "zone.db"), "w") as f:
        f.write(ZONE_TEXT)
    conf = os.path.join(work, "nsd.conf")
    with open(conf, "w") as f:
        f.write(NSD_CONF.format(port=port, dir=work, zone=ZONE))
    proc = subprocess.Popen([nsd, "-d", "-c", conf])
    try:
        for _ in range(50):  # wait until it answers
            try:
                ask_udp(port, query(1, "example.test", "SOA"))
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("nsd did not come up; see " + work + "/nsd.log")
        captures = start_captures(port, work)
        for i, (fname, name, qtype, transport, edns) in enumerate(CASES):
            q = query(0x1000 + i, name, qtype, edns=edns)
            r = ask_tcp(port, q) if transport == "tcp" else ask_udp(port, q)
            for kind, data in (("query", q), ("response", r)):
                with open(os.path.join(outdir, "%s.%s.bin" % (fname, kind)), "wb") as f:
                    f.write(data)
            print("%-14s %-5s %4d bytes rcode=%d tc=%d" %
                  (fname, transport, len(r), r[3] & 15, (r[2] >> 1) & 1))
        # capture only: the same server over IPv6, UDP and TCP
        ask_udp(port, query(0x2000, "www.example.test", "AAAA", edns=edns_opt()), "::1")
        ask_tcp(port, query(0x2001, "many.example.test", "A"), "::1")
        stop_captures(captures, outdir)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
