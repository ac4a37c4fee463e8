#!/bin/bash
# SIGHUP during live traffic: filters/outputs rebuilt, the eBPF input stays,
# no record lost (file lines == transactions == queries sent); an invalid
# config is refused and the old pipeline keeps running; logrotate-style
# rename + SIGHUP reopens the file.
. "$(dirname "$0")/pipeline_lib.sh"
need_root

DNS=$PORT_BASE
ZMQ=$((PORT_BASE + 1))
SUB=${DNSTRAIL_SUB:-$DT_BUILD/bin/dnstrail-sub}
N=2400
start_responder $DNS
conf() { # $1 = extra filter (domain exclude) or empty
	cat >"$W/c.yaml" <<YAML
service:
  flush_interval: 50ms
pipeline:
  inputs:
    - name: ebpf
      ports: [$DNS]
  filters:
    - name: sample
      every: ${1:-1}
  outputs:
    - name: file
      path: $W/out.jsonl
    - name: zmq
      publish: [tcp://127.0.0.1:$ZMQ]
YAML
}
conf 1
# a NOTIFY_SOCKET listener: sd_notify(READY/RELOADING/STOPPING) as systemd sees it
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "w")
while True:
    out.write(s.recv(4096).decode().replace("\n", " ").strip() + "\n")
    out.flush()
' "$W/notify.sock" "$W/notify.log" & PIDS+=($!)
wait_for 50 test -S "$W/notify.sock"
NOTIFY_SOCKET=$W/notify.sock "$DNSTRAIL" -c "$W/c.yaml" 2>"$W/err" & D=$!
PIDS+=($D)
check "ready" wait_for 100 grep -q "ready:" "$W/err"

# a subscriber across every reload: the zmq output is kept (same session, no gap)
"$SUB" --connect tcp://127.0.0.1:$ZMQ --count $N --timeout 10 -v >"$W/sub.jsonl" 2>"$W/sub.err" & S=$!
PIDS+=($S)
sleep 1 # the subscription reaches the publisher before the first event
python3 "$HERE/pipeline_dns.py" query $DNS $N 600 >"$W/client" & C=$!
for i in 1 2 3 4 5 6; do
	sleep 0.5
	case $i in
	2) printf 'pipeline:\n  outputs:\n    - name: file\n      path: [broken\n' >"$W/c.yaml" ;;
	4) mv "$W/out.jsonl" "$W/out.jsonl.1"; conf 1 ;;
	*) conf 1 ;;
	esac
	kill -HUP $D
done
wait $C
eq "client" "$(cat "$W/client")" "{\"sent\": $N, \"answered\": $N}"
sleep 0.5
kill -INT $D
wait $D; eq "daemon exit" $? 0
eq "reloads applied" "$(grep -c 'reloaded:' "$W/err")" 5
eq "reloads refused" "$(grep -c 'reload refused' "$W/err")" 1
check "refusal names FILE:LINE" grep -q "reload refused.*c.yaml:5: YAML syntax error" "$W/err"
eq "eBPF attached once" "$(grep -c 'attached' "$W/err")" 1
eq "sd_notify sequence" "$(grep -o '^[A-Z]*=1' "$W/notify.log" | tr '\n' ' ')" \
	"READY=1 $(printf 'RELOADING=1 READY=1 %.0s' 1 2 3 4 5 6)STOPPING=1 "
total=$(($(wc -l <"$W/out.jsonl") + $(wc -l <"$W/out.jsonl.1")))
eq "records in both files" $total $N
eq "stats transactions" "$(stat_of "$W/err" transactions)" $N
eq "stats output_drops" "$(stat_of "$W/err" output_drops)" 0
dups=$(cat "$W/out.jsonl" "$W/out.jsonl.1" | python3 -c '
import json, sys
names = [json.loads(l)["dns"]["question"]["name"] for l in sys.stdin]
print(len(names) - len(set(names)))')
eq "no record twice" "$dups" 0
wait $S || true
eq "subscriber: every event, one session, nothing lost" \
	"$(grep -o '"received":[0-9]*,"gaps":[0-9]*,"lost":[0-9]*,"publishers":[0-9]*' "$W/sub.err")" \
	"\"received\":$N,\"gaps\":0,\"lost\":0,\"publishers\":1"
check "outputs kept across reloads" grep -q "reloaded: 1 filters, 2 outputs (2 unchanged" "$W/err"
finish
