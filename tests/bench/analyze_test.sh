#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/analyze_events.py on hand-made events: what counts as bench traffic,
# as a duplicate (same client port, id, name, type within 50 ms), per status.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp /tmp/dnstrail-analyze.XXXXXX)
trap 'rm -f "$T"' EXIT
ev() { # time port id name status [src]
	printf '{"@timestamp":"2026-11-26T10:00:%sZ","event":{"duration":%s},"source":{"ip":"%s","port":%s},"destination":{"ip":"10.213.8.2","port":53},"dns":{"id":%s,"question":{"name":"%s","type":"A"}},"process":{"name":"dnsperf"},"dnstrail":{"status":"%s"}}\n' \
		"$1" 1000 "${6:-10.213.8.1}" "$2" "$3" "$4" "$5"
}
{
	ev 00.000000001 4000 1 h1.bench.test ok
	ev 00.010000000 4000 1 h1.bench.test ok       # same key 10 ms later: duplicate
	ev 00.500000000 4000 1 h1.bench.test ok       # same key 0.5 s later: a new query
	ev 00.000000002 4001 1 h1.bench.test ok       # other port
	ev 00.000000003 4000 2 h2.bench.test timeout
	ev 00.000000004 4000 3 h3.example.org ok      # not the bench zone
	ev 00.000000005 4000 4 h4.bench.test ok 10.0.0.9  # not the bench client
	echo 'not json'
} >"$T"
out=$(/usr/bin/python3 "$ROOT/bench/analyze_events.py" --client 10.213.8.1 --zone bench.test "$T") || {
	echo "FAIL: analyze_events.py exited non-zero"; exit 1; }
fail=0
expect() {
	grep -qx "$1" <<<"$out" || { echo "FAIL: expected $1"; fail=1; }
}
expect lines=8
expect bad_json=1
expect bench_events=5
expect status_ok=4
expect status_timeout=1
expect duplicates=1
expect process_top=dnsperf
expect process_top_share=1.0000
[ $fail = 0 ] || { echo "$out"; exit 1; }
echo PASS
