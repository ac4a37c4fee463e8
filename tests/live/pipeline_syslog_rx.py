#!/usr/bin/env python3
"""A syslog receiver for the tests: RFC 5424 over UDP and over TCP with RFC 6587
octet counting. Every message is parsed strictly (header, structured data with
its escapes) and written as one JSON object per line; a message that does not
parse is written as {"error": ..., "raw": ...}.

pipeline_syslog_rx.py udp|tcp PORT OUT.jsonl
pipeline_syslog_rx.py unix PATH OUT.jsonl     (datagrams, like /dev/log)
"""
import errno
import json
import re
import socket
import sys
import time

HEADER = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ")


def parse_sd(s, i):
    """Structured data at s[i:]: returns ({sd_id: {name: value}}, index after it)."""
    out = {}
    if s[i] == "-":
        return out, i + 1
    while i < len(s) and s[i] == "[":
        j = i + 1
        while s[j] not in " ]":
            j += 1
        sd_id = s[i + 1:j]
        params = {}
        i = j
        while s[i] == " ":
            eq = s.index("=", i)
            name = s[i + 1:eq]
            if not (1 <= len(name) <= 32) or any(c in name for c in ' ]"'):
                raise ValueError("bad PARAM-NAME %r" % name)
            if s[eq + 1] != '"':
                raise ValueError("PARAM-VALUE not quoted")
            k = eq + 2
            val = []
            while s[k] != '"':
                if s[k] == "\\" and s[k + 1] in '"\\]':
                    val.append(s[k + 1])
                    k += 2
                    continue
                if s[k] == "]":
                    raise ValueError("unescaped ] in PARAM-VALUE")
                val.append(s[k])
                k += 1
            params[name] = "".join(val)
            i = k + 1
        if s[i] != "]":
            raise ValueError("SD-ELEMENT not closed at %d" % i)
        out[sd_id] = params
        i += 1
    return out, i


def parse(raw):
    s = raw.decode("utf-8")
    m = HEADER.match(s)
    if not m:
        raise ValueError("bad header")
    sd, i = parse_sd(s, m.end())
    msg = s[i + 1:] if i < len(s) and s[i] == " " else s[i:]
    return {"pri": int(m.group(1)), "timestamp": m.group(2), "host": m.group(3),
            "app": m.group(4), "procid": m.group(5), "msgid": m.group(6), "sd": sd, "msg": msg}


def emit(out, raw):
    try:
        rec = parse(raw)
    except Exception as e:  # noqa: BLE001 - the test counts these
        rec = {"error": str(e), "raw": raw.decode("utf-8", "replace")}
    out.write(json.dumps(rec) + "\n")
    out.flush()


def bind_retrying(s, port):
    """Binds 127.0.0.1:port, retrying for 2 s while the port is in use: a
    client that just connected to itself there holds it for an instant."""
    for _ in range(40):
        try:
            s.bind(("127.0.0.1", port))
            return
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
            time.sleep(0.05)
    s.bind(("127.0.0.1", port))


def main():
    kind, path = sys.argv[1], sys.argv[3]
    out = open(path, "w")
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind(sys.argv[2])
        import os
        os.chmod(sys.argv[2], 0o666)
        while True:
            emit(out, s.recv(65536))
    port = int(sys.argv[2])
    if kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind(("127.0.0.1", port))
        while True:
            emit(out, s.recv(65536))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bind_retrying(ls, port)
    ls.listen(4)
    while True:
        c, _ = ls.accept()
        buf = b""
        while True:
            data = c.recv(65536)
            if not data:
                break
            buf += data
            while True:  # octet counting: LEN SP MSG
                sp = buf.find(b" ")
                if sp < 0:
                    break
                if not buf[:sp].isdigit():
                    out.write(json.dumps({"error": "bad frame", "raw": buf[:80].decode("utf-8", "replace")}) + "\n")
                    out.flush()
                    buf = b""
                    break
                n = int(buf[:sp])
                if len(buf) < sp + 1 + n:
                    break
                emit(out, buf[sp + 1:sp + 1 + n])
                buf = buf[sp + 1 + n:]
        c.close()


if __name__ == "__main__":
    main()
