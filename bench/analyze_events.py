#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Counts the benchmark's transactions in a dnstrail-sub ECS JSON file.

Only events of the bench traffic count (client address, bench zone): other
DNS on the host is ignored. A duplicate is a second event for the same
(client port, DNS id, name, type) whose query time lies within --window
seconds of the first: dnsperf reuses ids, but the same name comes back only
after a full pass through the query file (>= 0.2 s at 100 k q/s).
Prints key=value lines.
"""
import argparse
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime


def ts(s):
    # RFC 3339 with nanoseconds: keep microseconds for datetime
    if not s:
        return 0.0
    s = s.rstrip("Z")
    head, _, frac = s.partition(".")
    t = datetime.fromisoformat(head).timestamp()
    return t + float("0." + frac) if frac else t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--window", type=float, default=0.05)
    ap.add_argument("file")
    a = ap.parse_args()
    suffix = "." + a.zone.rstrip(".")
    status = Counter()
    procs = Counter()
    seen = defaultdict(list)
    total = bad_json = 0
    durations = []
    with open(a.file, "rb") as f:
        for line in f:
            total += 1
            try:
                ev = json.loads(line)
            except ValueError:
                bad_json += 1
                continue
            src = ev.get("source", {})
            dst = ev.get("destination", {})
            if a.client not in (src.get("ip"), dst.get("ip")):
                continue
            dns = ev.get("dns", {})
            q = dns.get("question", {})
            name = (q.get("name") or "").rstrip(".")
            if not (name == suffix[1:] or name.endswith(suffix)):
                continue
            st = ev.get("dnstrail", {}).get("status", "?")
            status[st] += 1
            procs[ev.get("process", {}).get("name", "-")] += 1
            port = src.get("port") if src.get("ip") == a.client else dst.get("port")
            key = (port, dns.get("id"), name, q.get("type"))
            seen[key].append(ts(ev.get("@timestamp")))
            d = ev.get("event", {}).get("duration")
            if st == "ok" and isinstance(d, (int, float)):
                durations.append(d)
    dups = 0
    for times in seen.values():
        if len(times) < 2:
            continue
        times.sort()
        dups += sum(1 for x, y in zip(times, times[1:]) if y - x < a.window)
    bench = sum(status.values())
    print(f"lines={total}")
    print(f"bad_json={bad_json}")
    print(f"bench_events={bench}")
    for k in ("ok", "timeout", "orphan_response", "malformed"):
        print(f"status_{k}={status.get(k, 0)}")
    print(f"status_other={bench - sum(status.get(k, 0) for k in ('ok', 'timeout', 'orphan_response', 'malformed'))}")
    print(f"duplicates={dups}")
    top = procs.most_common(1)
    print(f"process_top={top[0][0] if top else '-'}")
    print(f"process_top_share={(top[0][1] / bench) if top and bench else 0:.4f}")
    if durations:
        durations.sort()
        print(f"duration_p50_us={durations[len(durations) // 2] / 1000:.1f}")
        print(f"duration_p99_us={durations[int(len(durations) * 0.99)] / 1000:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
