#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Minimal dnstrail subscriber in Python: one line per DNS transaction.

Needs python3-zmq and python3-protobuf (Debian packages) and the generated
module dnstrail/v1/dnstrail_pb2.py: the build writes it to build/python/
(found automatically), or this script runs `protoc --python_out` on
proto/dnstrail/v1/dnstrail.proto into a temporary directory.

Examples:
  examples/python/dnstrail_sub.py                      # tcp://127.0.0.1:5556
  examples/python/dnstrail_sub.py --topic dns.NXDOMAIN. --count 10
  examples/python/dnstrail_sub.py --connect tcp://broker:5560 --json
"""
import argparse
import datetime
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def load_schema(proto_path):
    """Import dnstrail_pb2 from proto_path, the build tree, or fresh protoc output."""
    candidates = [proto_path, os.environ.get("DNSTRAIL_PYTHON_PATH")]
    candidates += [os.path.join(ROOT, d, "python") for d in sorted(os.listdir(ROOT))
                   if d.startswith("build")]
    for c in candidates:
        if c and os.path.exists(os.path.join(c, "dnstrail", "v1", "dnstrail_pb2.py")):
            sys.path.insert(0, c)
            break
    else:
        proto_dir = os.path.join(ROOT, "proto")
        if not shutil.which("protoc") or not os.path.isdir(proto_dir):
            sys.exit("dnstrail_sub.py: no dnstrail_pb2.py found and no protoc to make it "
                     "(build the project, or pass --proto-path)")
        out = tempfile.mkdtemp(prefix="dnstrail-pb2-")
        subprocess.run(["protoc", "--proto_path=" + proto_dir, "--python_out=" + out,
                        "dnstrail/v1/dnstrail.proto"], check=True)
        sys.path.insert(0, out)
    from dnstrail.v1 import dnstrail_pb2  # noqa: E402
    return dnstrail_pb2


def ip(raw):
    return str(ipaddress.ip_address(raw)) if len(raw) in (4, 16) else "-"


def rcode_name(pb, tx):
    if tx.status == pb.STATUS_TIMEOUT:
        return "TIMEOUT"
    if tx.status == pb.STATUS_MALFORMED:
        return "MALFORMED"
    names = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
             5: "REFUSED"}
    return names.get(tx.response.rcode, "RCODE%d" % tx.response.rcode)


TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
         33: "SRV", 64: "SVCB", 65: "HTTPS", 257: "CAA"}


def line(pb, env):
    tx = env.transaction
    msg = tx.query if tx.HasField("query") else tx.response
    q = msg.question
    ts = tx.query_time_ns or tx.response_time_ns
    when = datetime.datetime.fromtimestamp(ts / 1e9, datetime.timezone.utc)
    proc = "%s[%d]" % (tx.process.name, tx.process.pid) if tx.HasField("process") else "-"
    dur = ""
    if tx.query_time_ns and tx.response_time_ns:
        dur = "%.3fms" % ((tx.response_time_ns - tx.query_time_ns) / 1e6)
    answers = ",".join(rr.data for rr in tx.response.answers) if tx.HasField("response") else ""
    net = tx.network
    transport = {6: "tcp", 17: "udp"}.get(net.transport, "?")
    return "%s %s %s %s:%d -> %s:%d %s %s %s %s %s" % (
        when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", env.publisher.host, proc, ip(net.src_ip),
        net.src_port, ip(net.dst_ip), net.dst_port, transport,
        TYPES.get(q.type, "TYPE%d" % q.type), q.name or ".", rcode_name(pb, tx),
        " ".join(x for x in (dur, answers) if x))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[8:]))
    ap.add_argument("--connect", action="append", help="endpoint (repeatable; default "
                    "tcp://127.0.0.1:5556)")
    ap.add_argument("--topic", action="append",
                    help="subscription prefix (default dns. and dnsbatch.: every DNS event)")
    ap.add_argument("--count", type=int, default=0, help="exit after N DNS events")
    ap.add_argument("--timeout", type=float, default=0,
                    help="exit after that many seconds without any message")
    ap.add_argument("--json", action="store_true",
                    help="print each Transaction as protobuf JSON instead of a text line")
    ap.add_argument("--proto-path", help="directory holding dnstrail/v1/dnstrail_pb2.py")
    args = ap.parse_args()

    pb = load_schema(args.proto_path)
    import zmq
    from google.protobuf import json_format

    sock = zmq.Context.instance().socket(zmq.SUB)
    sock.setsockopt(zmq.LINGER, 0)
    topics = args.topic or ["dns.", "dnsbatch."]
    for t in topics + ["_stats."]:
        sock.setsockopt(zmq.SUBSCRIBE, t.encode())
    for ep in args.connect or ["tcp://127.0.0.1:5556"]:
        sock.connect(ep)
    check = any("dns.".startswith(t) or "dnsbatch.".startswith(t) for t in topics)

    received = gaps = lost = 0
    last = {}  # (host, session_id) -> last sequence
    deadline = time.monotonic() + args.timeout if args.timeout else None
    try:
        while not args.count or received < args.count:
            wait = 500 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            if deadline is not None and wait == 0:
                break
            if not sock.poll(wait):
                continue
            frames = sock.recv_multipart()
            if len(frames) < 2:
                continue
            if frames[0].startswith(b"dnsbatch."):
                # a forwarder with `batch` set: several envelopes per message
                batch = pb.EnvelopeBatch()
                batch.ParseFromString(frames[1])
                envs = batch.envelopes
            else:
                env = pb.Envelope()
                env.ParseFromString(frames[1])
                envs = [env]
            if args.timeout:
                deadline = time.monotonic() + args.timeout
            for env in envs:
                key = (env.publisher.host, env.publisher.session_id)
                prev = last.get(key)
                if prev is not None and env.sequence > prev + 1 and check:
                    gaps += 1
                    lost += env.sequence - prev - 1
                    print("dnstrail_sub.py: lost %d messages from %s" % (env.sequence - prev - 1,
                          env.publisher.host), file=sys.stderr)
                if prev is None or env.sequence > prev:
                    last[key] = env.sequence
                if env.WhichOneof("body") != "transaction":
                    continue
                if args.count and received >= args.count:
                    break
                received += 1
                if args.json:
                    print(json.dumps(json_format.MessageToDict(env.transaction), sort_keys=True))
                else:
                    print(line(pb, env))
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    print(json.dumps({"dnstrail_sub_stats": {"received": received, "gaps": gaps, "lost": lost,
                                             "publishers": len(last)}},
                     separators=(",", ":")), file=sys.stderr)


if __name__ == "__main__":
    main()
