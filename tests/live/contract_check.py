#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check ECS JSON lines and final stats lines against /work/shared/CONTRACT.md.

contract_check.py events FILE.json     the events of contract_mkpcap.py's pcap
contract_check.py stats FILE.err       last line: {"dnstrail_stats":{...}}
contract_check.py substats FILE.err    last line: {"dnstrail_sub_stats":{...}} exactly
Prints one "FAIL ..." line per broken promise; exit status 1 if any.
"""
import json
import re
import sys

fails = []


def want(cond, what):
    if not cond:
        fails.append(what)


def events(path):
    evs = [json.loads(l) for l in open(path)]
    by = {}
    for e in evs:  # the first event of each question name/type
        q = e["dns"]["question"]
        by.setdefault(q["name"] + "/" + q["type"], e)
    for e in evs:
        n = e.get("dns", {}).get("question", {}).get("name", "?")
        want(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", e.get("@timestamp", "")),
             "%s: @timestamp RFC 3339 UTC ns: %r" % (n, e.get("@timestamp")))
        ev = e.get("event", {})
        want(ev.get("kind") == "event", n + ": event.kind")
        want(ev.get("category") == ["network"], n + ": event.category")
        want(ev.get("type") == ["protocol"], n + ": event.type")
        want(ev.get("dataset") == "dnstrail.dns", n + ": event.dataset")
        want(ev.get("outcome") in ("success", "failure", "unknown"), n + ": event.outcome")
        d = e.get("dns", {})
        want(d.get("type") in ("answer", "query"), n + ": dns.type")
        want(isinstance(d.get("id"), (int, str)), n + ": dns.id")
        want(d.get("op_code") == "QUERY", n + ": dns.op_code")
        hf = d.get("header_flags")
        want(isinstance(hf, list) and all(isinstance(f, str) and f.isupper() for f in hf),
             n + ": dns.header_flags list of mnemonics")
        q = d.get("question", {})
        want(not q.get("name", "").endswith("."), n + ": question.name trailing dot")
        want(q.get("class") == "IN", n + ": question.class")
        want(isinstance(q.get("registered_domain"), str), n + ": question.registered_domain")
        for a in d.get("answers", []):
            want(set(a) >= {"name", "type", "class", "ttl", "data"} and isinstance(a["ttl"], int),
                 n + ": answers[] fields")
        st = e.get("dnstrail", {}).get("status")
        want(st in ("ok", "timeout", "orphan_response", "malformed"), n + ": dnstrail.status")
        if st != "timeout":
            want(d.get("type") == "answer", n + ": dns.type answer with a response")
            want(re.fullmatch(r"[A-Z]+", d.get("response_code", "")), n + ": dns.response_code")
        else:
            want(d.get("type") == "query", n + ": dns.type query without a response")
        if st in ("ok", "malformed"):
            want(ev.get("duration") == 250000, "%s: event.duration ns: %r" % (n, ev.get("duration")))
        for k in ("source", "destination"):
            want(isinstance(e.get(k, {}).get("ip"), str) and isinstance(e[k].get("port"), int),
                 n + ": " + k)
        want(e.get("destination", {}).get("port") == 53, n + ": destination is the server")
        nw = e.get("network", {})
        want(nw.get("transport") == "udp" and nw.get("protocol") == "dns" and
             nw.get("type") in ("ipv4", "ipv6"), n + ": network")
        want(isinstance(e.get("host", {}).get("name"), str), n + ": host.name")
        want(not any("." in k for k in e), n + ": dotted top-level key")

    def data(name, qtype):
        return [a["data"] for a in by[name + "/" + qtype]["dns"].get("answers", [])
                if a["type"] == qtype]

    want(data("www.example.test", "A") == ["192.0.2.1"], "A data")
    want(by["www.example.test/A"]["dns"]["resolved_ip"] == ["192.0.2.1"], "resolved_ip")
    want(by["www.example.test/A"]["dns"]["header_flags"] == ["AA", "RD"], "header_flags")
    want("2001:db8::1" in data("v6.example.com", "AAAA"), "AAAA data")
    want(by["v6.example.com/AAAA"]["network"]["type"] == "ipv6", "network.type ipv6")
    want(by["v6.example.com/AAAA"]["source"]["ip"] == "2001:db8::1", "source.ip ipv6")
    want("10 mail.example.test" in data("example.test", "MX"), "MX data")
    want(data("txt.example.test", "TXT")[0].startswith('"text" "more"'), "TXT data")
    want(data("_sip._udp.example.test", "SRV") == ["10 60 5060 sip.example.test"], "SRV data")
    want(by["unknown.example.test/TYPE65280"]["dns"]["question"]["type"] == "TYPE65280", "TYPE65280")
    want(by["nope.example.test/A"]["dns"]["response_code"] == "NXDOMAIN", "NXDOMAIN")
    want(by["www.example.test/A"]["@timestamp"] == "2025-11-26T00:00:00.123456789Z",
         "@timestamp is the query time")
    st = {e["dns"]["question"]["name"]: e["dnstrail"]["status"] for e in evs}
    want(st.get("lost.example.com") == "timeout", "timeout status")
    want(st.get("orphan.example.com") == "orphan_response", "orphan_response status")
    want(st.get("bad.example.com") == "malformed", "malformed status")
    # one event per transaction: the bad response answered its query
    want(sum(1 for e in evs if e["dns"]["question"]["name"] == "bad.example.com") == 1,
         "malformed response: one event, not malformed + timeout")
    want("query_size" in by["bad.example.com/A"]["dnstrail"], "malformed event holds its query")


def stats(path):
    line = open(path).read().splitlines()[-1]
    s = json.loads(line)
    want(list(s) == ["dnstrail_stats"], "stats: one key dnstrail_stats")
    c = s["dnstrail_stats"]
    for k in ("packets_captured", "messages_decoded", "malformed", "transactions", "timeouts",
              "kernel_drops", "events_published", "output_drops"):
        want(isinstance(c.get(k), int), "stats: counter " + k)
    print(json.dumps(c))


def substats(path):
    line = open(path).read().splitlines()[-1]
    want(re.fullmatch(r'\{"dnstrail_sub_stats":\{"received":\d+,"gaps":\d+,"lost":\d+,'
                      r'"publishers":\d+\}\}', line), "sub stats line: " + line)
    print(json.dumps(json.loads(line)["dnstrail_sub_stats"]))


{"events": events, "stats": stats, "substats": substats}[sys.argv[1]](sys.argv[2])
for f in fails:
    print("FAIL " + f)
sys.exit(1 if fails else 0)
