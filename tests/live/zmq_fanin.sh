#!/bin/bash
# Fan-in: three forwarders replaying their own pcap connect to one
# dnstrail-broker (XSUB/XPUB zmq_proxy, loopback TCP); one subscriber on the
# broker gets every event exactly once, with each publisher's sequence intact.
. "$(dirname "$0")/zmq_lib.sh"

read -r FRONT BACK < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
N=200
z_bg "$BIN/dnstrail-broker" --frontend "tcp://127.0.0.1:$FRONT" --backend "tcp://127.0.0.1:$BACK" \
	2>"$W/broker.err"
z_bg "$BIN/dnstrail-sub" --connect "tcp://127.0.0.1:$BACK" -o "$W/sub.json" --timeout 4 -v \
	2>"$W/sub.err"
SUB=$Z_LAST
sleep 0.5 # the subscription reaches the broker before the forwarders start

pids=()
for i in 1 2 3; do
	z_mkpcap "$W/p$i.pcap" $N 10.2.0.$i
	z_config "$W/d$i.yaml" "$W/p$i.pcap" connect "tcp://127.0.0.1:$FRONT" "pub$i" 1 </dev/null
	z_bg "$BIN/dnstrail" -c "$W/d$i.yaml" 2>"$W/d$i.err"
	pids+=("$Z_LAST")
done
for p in "${pids[@]}"; do z_wait_exit "$p" 30; done
z_wait_exit "$SUB" 20

want=$((3 * (N + 1)))
for i in 1 2 3; do
	expect_eq "forwarder $i events_published" "$(z_stat "$W/d$i.err" events_published)" $((N + 1))
	expect_eq "forwarder $i output_drops" "$(z_stat "$W/d$i.err" output_drops)" 0
done
expect_eq "subscriber received" "$(z_stat "$W/sub.err" received)" $want
expect_eq "subscriber publishers" "$(z_stat "$W/sub.err" publishers)" 3
expect_eq "subscriber gaps" "$(z_stat "$W/sub.err" gaps)" 0
expect_eq "subscriber lost" "$(z_stat "$W/sub.err" lost)" 0
uniq=$("$PY" -c '
import json, sys
seen = set()
for l in open(sys.argv[1]):
    e = json.loads(l)
    seen.add((e["source"]["ip"], e["source"]["port"], e["dns"]["id"], e["@timestamp"]))
print(len(seen))' "$W/sub.json")
expect_eq "distinct events (each once)" "$uniq" $want
per=$("$PY" -c '
import json, sys, collections
c = collections.Counter(json.loads(l)["source"]["ip"] for l in open(sys.argv[1]))
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))' "$W/sub.json")
expect_eq "events per forwarder" "$per" "10.2.0.1=$((N + 1)) 10.2.0.2=$((N + 1)) 10.2.0.3=$((N + 1))"
z_finish
