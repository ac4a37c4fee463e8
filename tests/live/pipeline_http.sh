#!/bin/bash
# service.http_listen: /api/v1/health and /api/v1/metrics/prometheus scraped
# with curl during live capture; counters checked against the traffic sent.
. "$(dirname "$0")/pipeline_lib.sh"
need_root

DNS=$PORT_BASE
HTTP=$((PORT_BASE + 1))
DEAD=$((PORT_BASE + 2))
N=200
start_responder $DNS
cat >"$W/c.yaml" <<YAML
service:
  http_listen: 127.0.0.1:$HTTP
pipeline:
  inputs:
    - name: ebpf
      tag: dns.lo
      ports: [$DNS]
      bpf_stats: true
  filters:
    - name: domain
      match: "dns.*"
      exclude: [q7.example.com]
    - name: process
      match: "dns.*"
      comm: [kdig]
      exclude: true
  outputs:
    - name: file
      match: "dns.*"
      path: $W/out.jsonl
    - name: syslog
      match: "*"
      address: tcp://127.0.0.1:$DEAD
      queue_size: 10
YAML
"$DNSTRAIL" -c "$W/c.yaml" 2>"$W/err" & D=$!
PIDS+=($D)
H=http://127.0.0.1:$HTTP
check "health answers 200 ok" wait_for 100 bash -c "[ \"\$(curl -s $H/api/v1/health)\" = ok ]"
eq "unknown path" "$(curl -s -o /dev/null -w '%{http_code}' $H/nope)" 404
eq "POST refused" "$(curl -s -o /dev/null -w '%{http_code}' -X POST $H/api/v1/health)" 405

for i in 1 2 3 4 5; do kdig -p $DNS @127.0.0.1 +notcp +retry=0 +time=1 "k$i.example.com" A >/dev/null; done
sent=$(python3 "$HERE/pipeline_dns.py" query $DNS $N 400)
eq "client" "$sent" "{\"sent\": $N, \"answered\": $N}"
metric() { curl -s $H/api/v1/metrics/prometheus | awk -v k="$1" '$1 == k { print $2 }'; }
wait_for 50 bash -c "[ \"\$(curl -s $H/api/v1/metrics/prometheus | awk '\$1 == \"dnstrail_transactions_total\" {print \$2}')\" = $((N + 5)) ]" || true
curl -s $H/api/v1/metrics/prometheus >"$W/metrics"
eq "transactions_total (python + kdig)" "$(metric dnstrail_transactions_total)" $((N + 5))
eq "filtered_total" "$(metric dnstrail_filtered_total)" 6
eq "process.0 removed (kdig)" "$(metric 'dnstrail_plugin_records_removed_total{kind="filter",name="process.0"}')" 5
eq "file.0 in" "$(metric 'dnstrail_plugin_records_in_total{kind="output",name="file.0"}')" $((N - 1))
eq "file.0 out" "$(metric 'dnstrail_plugin_records_out_total{kind="output",name="file.0"}')" $((N - 1))
eq "domain.0 removed" "$(metric 'dnstrail_plugin_records_removed_total{kind="filter",name="domain.0"}')" 1
# the dead syslog: 10 queued, the rest refused
eq "syslog.0 dropped" "$(metric 'dnstrail_plugin_records_dropped_total{kind="output",name="syslog.0"}')" $((N - 1 - 10))
eq "syslog.0 queue depth" "$(metric 'dnstrail_output_queue_depth{name="syslog.0"}')" 10
check "uptime gauge" grep -q '^dnstrail_uptime_seconds [0-9.]*$' "$W/metrics"
# bpf_stats: the kernel counted every run of the packet programs (each
# query and response leaves on lo and comes back: one run of each at least)
prog() { metric "dnstrail_bpf_program_$1{input=\"ebpf.0\",program=\"$2\"}"; }
runs=$(prog runs_total dt_net_dev_queue)
check "dt_net_dev_queue runs ($runs) >= 2 x $((N + 5))" test "${runs:-0}" -ge $((2 * (N + 5)))
runs=$(prog runs_total dt_netif_receive_skb)
check "dt_netif_receive_skb runs ($runs) >= 2 x $((N + 5))" test "${runs:-0}" -ge $((2 * (N + 5)))
check "dt_net_dev_queue run time > 0" awk -v v="$(prog run_seconds_total dt_net_dev_queue)" 'BEGIN { exit !(v > 0) }'
eq "recursion misses" "$(prog recursion_misses_total dt_net_dev_queue)" 0
# their sum over the programs, a loss counter of its own (0 here)
misses=$(awk '/^dnstrail_bpf_program_recursion_misses_total\{/ { s += $2 } END { print s + 0 }' "$W/metrics")
eq "kernel_missed_runs = the programs' recursion misses" "$(metric dnstrail_kernel_missed_runs_total)" "$misses"
eq "kernel_unparsed (every header linear here)" "$(metric dnstrail_kernel_unparsed_total)" 0
eq "bpf_stats_enabled gauge" "$(metric dnstrail_bpf_stats_enabled)" 1
check "HELP/TYPE lines" grep -q '^# TYPE dnstrail_kernel_drops_total counter$' "$W/metrics"
code=$(curl -s -o "$W/health" -w '%{http_code}' $H/api/v1/health)
eq "health while an output drops" "$code" 503
check "503 gives the reason" grep -q "dropped records" "$W/health"

kill -INT $D
wait $D; eq "daemon exit" $? 0
eq "final transactions" "$(stat_of "$W/err" transactions)" $((N + 5))
check "no kdig record in the file" bash -c "! grep -q '\"name\":\"kdig\"' '$W/out.jsonl'"
eq "final output_drops (syslog: refused + queued at exit)" "$(stat_of "$W/err" output_drops)" $((N - 1))
eq "file lines" "$(wc -l <"$W/out.jsonl")" $((N - 1))
check "exit log gives ns per run" grep -Eq 'input ebpf.0: BPF program dt_net_dev_queue: [0-9]+ runs, [0-9]+ ns per run' "$W/err"
finish
