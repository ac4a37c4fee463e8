#!/bin/bash
# Live capture vs the pcap input on the same traffic: tcpdump records what the
# eBPF input sees; replaying that file gives the same transactions. Also
# --duration: stops by itself, and unanswered queries come out as timeouts.
. "$(dirname "$0")/pipeline_lib.sh"
need_root
command -v tcpdump >/dev/null || { echo "SKIP $T: no tcpdump"; exit 77; }

DNS=$PORT_BASE
DEAD=$((PORT_BASE + 5))
start_responder $DNS
cat >"$W/live.yaml" <<YAML
pipeline:
  inputs:
    - name: ebpf
      ports: [$DNS, $DEAD]
  outputs:
    - name: file
      path: $W/live.jsonl
YAML
cat >"$W/pcap.yaml" <<YAML
pipeline:
  inputs:
    - name: pcap
      path: $W/cap.pcap
      ports: [$DNS, $DEAD]
  outputs:
    - name: file
      path: $W/pcap.jsonl
YAML
tcpdump -i lo -U -w "$W/cap.pcap" "udp port $DNS or udp port $DEAD" 2>"$W/tcpdump.err" & TD=$!
PIDS+=($TD)
wait_for 50 grep -q "listening on" "$W/tcpdump.err"
start=$(date +%s%N)
"$DNSTRAIL" -c "$W/live.yaml" --duration 4 2>"$W/live.err" & D=$!
PIDS+=($D)
check "ready" wait_for 100 grep -q "ready:" "$W/live.err"
eq "client" "$(python3 "$HERE/pipeline_dns.py" query $DNS 100 400)" '{"sent": 100, "answered": 100}'
python3 - $DEAD <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    q = struct.pack("!HHHHHH", 4242 + i, 0x0100, 1, 0, 0, 0) + b"\x04dead\x07example\x03com\x00" + struct.pack("!HH", 28, 1)
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
PY
wait $D; eq "--duration: exit" $? 0
ms=$((($(date +%s%N) - start) / 1000000))
check "--duration 4 (from ready) stopped after 4-8 s ($ms ms)" test $ms -ge 4000 -a $ms -lt 8000
eq "live transactions" "$(stat_of "$W/live.err" transactions)" 103
eq "live timeouts (flushed at the end)" "$(stat_of "$W/live.err" timeouts)" 3
check "stats line is the last line on stderr" bash -c "tail -n 1 '$W/live.err' | grep -q '^{\"dnstrail_stats\":{'"
sleep 0.3
kill -INT $TD; wait $TD || true

"$DNSTRAIL" -c "$W/pcap.yaml" 2>"$W/pcap.err"
eq "pcap replay exit" $? 0
key='
import json, sys
out = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    d = e["dns"]
    out.append("%s %s %s %s %s %s %s" % (d["question"]["name"], d["question"]["type"], d.get("response_code", "-"),
        e["dnstrail"]["status"], d["id"], e["source"]["port"], ",".join(a["data"] for a in d.get("answers", []))))
print("\n".join(sorted(out)))
'
python3 -c "$key" "$W/live.jsonl" >"$W/live.keys"
python3 -c "$key" "$W/pcap.jsonl" >"$W/pcap.keys"
eq "live records" "$(wc -l <"$W/live.keys")" 103
check "pcap replay = live capture (name, type, rcode, status, id, port, answers)" cmp "$W/live.keys" "$W/pcap.keys"
check "live records carry the process" bash -c "grep -c '\"executable\"' '$W/live.jsonl' | grep -qx 103"
finish
