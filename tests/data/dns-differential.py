#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test of the DNS decoder against dnspython.

Builds N random but valid responses with dnspython (seeded: the same set on
every run): 27 record types, names with escapes, compression, EDNS. Decodes
them with dns_json_dump (our decoder) and checks that every message decodes
and every record's owner, type, class and presentation data agree with
dnspython's, allowing only for the documented differences: no trailing dots
on names, upper-case hex, unchunked base64, unquoted SVCB values.

    dns-differential.py DUMP_BINARY [N]      exit 0 ok, 1 mismatch, 77 skip
Needs python3-dnspython (Debian); skips without it.
"""
import base64
import json
import os
import random
import re
import subprocess
import sys
import tempfile

try:
    import dns.message
    import dns.name
    import dns.rdatatype
    import dns.rrset
except ImportError:
    print("skip: python3-dnspython is not installed")
    sys.exit(77)

LABELS = ["www", "a", "mail", "x-y", "_sip", "_tcp", "Example", "TEST", "xn--bcher-kva",
          "d\\.ot", "sp\\032ace", "q\\\"t", "b\\\\s", "\\255\\000z"]


def rname(rnd):
    return ".".join(rnd.choice(LABELS) for _ in range(rnd.randint(1, 4))) + ".example.com."


def txtstr(rnd):
    return '"%s"' % rnd.choice(["hello", "with \\\"q\\\"", "back\\\\slash", "caf\\195\\169",
                                "", "sp ace", "\\000\\255"])


def b64(rnd, lo, hi):
    return base64.b64encode(rnd.randbytes(rnd.randint(lo, hi))).decode()


def generators(rnd):
    n = lambda: rname(rnd)
    u16 = lambda: rnd.randint(0, 65535)
    u32 = lambda: rnd.randint(0, 2**32 - 1)
    return {
        "A": lambda: ".".join(str(rnd.randint(0, 255)) for _ in range(4)),
        "AAAA": lambda: rnd.choice(["2001:db8::1", "::", "::ffff:1.2.3.4", "fe80::1:2:3:4",
                                    "2001:db8:0:0:1:0:0:1", "1:2:3:4:5:6:7:8"]),
        "NS": n, "CNAME": n, "PTR": n, "DNAME": n,
        "MX": lambda: "%d %s" % (u16(), rnd.choice([n(), "."])),
        "SOA": lambda: "%s %s %d %d %d %d %d" % (n(), n(), u32(), u32(), u32(), u32(), u32()),
        "TXT": lambda: " ".join(txtstr(rnd) for _ in range(rnd.randint(1, 4))),
        "SRV": lambda: "%d %d %d %s" % (u16(), u16(), u16(), n()),
        "CAA": lambda: "%d %s %s" % (rnd.choice([0, 128]),
                                     rnd.choice(["issue", "iodef", "issuewild"]), txtstr(rnd)),
        "HINFO": lambda: "%s %s" % (txtstr(rnd), txtstr(rnd)),
        "NAPTR": lambda: '%d %d "U" "E2U+sip" "!^.*$!sip:x@y!" %s' % (u16(), u16(),
                                                                     rnd.choice([n(), "."])),
        "DS": lambda: "%d 13 2 %s" % (u16(), rnd.randbytes(32).hex()),
        "DNSKEY": lambda: "257 3 13 " + b64(rnd, 1, 70),
        "RRSIG": lambda: "A 13 %d 3600 20240201000000 20240101000000 %d %s %s" % (
            rnd.randint(0, 5), u16(), n(), b64(rnd, 1, 64)),
        "NSEC": lambda: "%s %s" % (n(), " ".join(rnd.sample(
            ["A", "NS", "MX", "RRSIG", "NSEC", "TXT", "AAAA", "TYPE1234", "CAA", "TYPE65280",
             "HTTPS"], rnd.randint(1, 5)))),
        "NSEC3": lambda: "1 %d %d %s %s %s" % (
            rnd.randint(0, 1), rnd.randint(0, 100), rnd.choice(["-", "aabbccdd", "00"]),
            base64.b32hexencode(rnd.randbytes(20)).decode().rstrip("="),
            " ".join(rnd.sample(["A", "NS", "SOA", "RRSIG", "DNSKEY", "NSEC3PARAM"], 3))),
        "NSEC3PARAM": lambda: "1 0 %d %s" % (rnd.randint(0, 100), rnd.choice(["-", "ab"])),
        "TLSA": lambda: "3 1 1 " + rnd.randbytes(32).hex(),
        "SSHFP": lambda: "4 2 " + rnd.randbytes(32).hex(),
        "URI": lambda: '10 1 "https://example.com/x"',
        "RP": lambda: "%s %s" % (n(), n()),
        "AFSDB": lambda: "1 " + n(),
        "OPENPGPKEY": lambda: b64(rnd, 1, 40),
        "ZONEMD": lambda: "%d 1 1 %s" % (u32(), rnd.randbytes(48).hex()),
        "SVCB": lambda: rnd.choice([
            "0 " + n(), "1 . alpn=h2,h3 port=8443",
            "2 %s ipv4hint=1.2.3.4,5.6.7.8 ipv6hint=2001:db8::1" % n(),
            "1 . mandatory=alpn alpn=h2 no-default-alpn ech=AQID"]),
        "HTTPS": lambda: rnd.choice(["1 . alpn=h3", "1 %s port=443 ipv4hint=192.0.2.1" % n()]),
        "TYPE65280": lambda: "\\# 3 010203",
    }


HEX_TYPES = {"DS", "TLSA", "SSHFP", "ZONEMD", "NSEC3", "NSEC3PARAM", "TYPE65280"}
B64_TYPES = {"DNSKEY", "RRSIG", "OPENPGPKEY"}


def expected(rtype, text):
    """dnspython's presentation, brought to our documented conventions."""
    text = re.sub(r'(?<=[^\s\\])\.(?=\s|$)', "", text)  # names: no trailing dot
    if rtype in HEX_TYPES:
        text = text.upper()
    if rtype in ("SVCB", "HTTPS"):
        text = text.replace('"', "")
    return text


def ours_norm(rtype, text):
    if rtype in ("SVCB", "HTTPS"):
        return text.replace('"', "")
    return text


def squash_b64(rtype, text):
    # dnspython splits base64 into 32-char chunks: compare the base64 tail unchunked
    if rtype in B64_TYPES:
        return re.sub(r"\s+", "", text)
    return text


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    dump = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rnd = random.Random(20261126)
    gens = generators(rnd)
    work = tempfile.mkdtemp(prefix="dnstrail-diff-")
    want = {}
    for i in range(count):
        q = dns.message.make_query(rname(rnd), rnd.choice(["A", "AAAA", "MX", "TXT", "HTTPS"]),
                                   use_edns=rnd.choice([None, 0]),
                                   want_dnssec=rnd.random() < 0.3)
        r = dns.message.make_response(q)
        for sec in (r.answer, r.authority, r.additional):
            for _ in range(rnd.randint(0, 4)):
                t = rnd.choice(sorted(gens))
                owner = rnd.choice([rname(rnd), q.question[0].name.to_text()])
                sec.append(dns.rrset.from_text(owner, rnd.randint(0, 2**31 - 1), "IN", t,
                                               gens[t]()))
        path = os.path.join(work, "m%05d.bin" % i)
        wire = r.to_wire()
        with open(path, "wb") as f:
            f.write(wire)
        # what dnspython reads back from the same bytes, record by record
        back = dns.message.from_wire(wire, one_rr_per_rrset=True)
        rows = []
        for s, rrsets in enumerate((back.answer, back.authority, back.additional)):
            for rs in rrsets:
                for rd in rs:
                    owner = "" if rs.name == dns.name.root else rs.name.to_text(True)
                    rows.append((s, int(rs.rdtype), owner, rd.to_text()))
        want[path] = (back.question[0].name.to_text(True), rows)

    files = sorted(want)
    bad = records = 0
    for i in range(0, len(files), 500):
        out = subprocess.run([dump] + files[i:i + 500], check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            o = json.loads(line)
            qname, rows = want[o["file"]]
            problems = []
            if o["rc"] != 0:
                problems.append("decode failed: " + o["err"])
            elif o["qname"] != qname:
                problems.append("qname %r != %r" % (o["qname"], qname))
            elif len(o["rrs"]) != len(rows):
                problems.append("%d records != %d" % (len(o["rrs"]), len(rows)))
            else:
                for (sec, rtype, rclass, owner, data), (s2, t2, o2, text) in zip(o["rrs"], rows):
                    records += 1
                    name = dns.rdatatype.to_text(rtype)
                    exp = squash_b64(name, expected(name, text))
                    got = squash_b64(name, ours_norm(name, data))
                    if (sec, rtype, rclass, owner) != (s2, t2, 1, o2) or got != exp:
                        problems.append("%s %s: %r != %r" % (owner, name, data, text))
            if problems:
                bad += 1
                if bad <= 10:
                    print("MISMATCH", o["file"], "; ".join(problems[:3]))
    print("%d messages, %d records compared, %d messages differ" % (len(files), records, bad))
    if bad == 0:
        for f in files:
            os.unlink(f)
        os.rmdir(work)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
