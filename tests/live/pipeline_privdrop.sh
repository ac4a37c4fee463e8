#!/bin/bash
# service.user: after attaching, the daemon runs as that user with every
# capability set empty and NoNewPrivs, while live capture, outputs, HTTP and
# reload keep working; a reload needing a privileged port fails cleanly.
. "$(dirname "$0")/pipeline_lib.sh"
need_root

DNS=$PORT_BASE
HTTP=$((PORT_BASE + 1))
ZMQ=$((PORT_BASE + 2))
start_responder $DNS
conf() { # $1 = zmq endpoint
	cat >"$W/c.yaml" <<YAML
service:
  user: nobody
  http_listen: 127.0.0.1:$HTTP
pipeline:
  inputs:
    - name: ebpf
      ports: [$DNS]
      bpf_stats: true
  outputs:
    - name: file
      path: $W/out.jsonl
    - name: zmq
      publish: [$1]
YAML
}
conf tcp://127.0.0.1:$ZMQ
"$DNSTRAIL" -c "$W/c.yaml" 2>"$W/err" & D=$!
PIDS+=($D)
check "ready" wait_for 100 grep -q "ready:" "$W/err"
st=/proc/$D/status
nobody=$(id -u nobody)
eq "Uid" "$(awk '/^Uid:/ {print $2,$3,$4,$5}' $st)" "$nobody $nobody $nobody $nobody"
eq "Gid" "$(awk '/^Gid:/ {print $2}' $st)" "$(id -g nobody)"
eq "Groups" "$(awk '/^Groups:/ {print $2}' $st)" "$(id -g nobody)"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	eq "$c" "$(awk -v k=$c: '$1 == k {print $2}' $st)" 0000000000000000
done
eq "NoNewPrivs" "$(awk '/^NoNewPrivs:/ {print $2}' $st)" 1

eq "client" "$(python3 "$HERE/pipeline_dns.py" query $DNS 50 200)" '{"sent": 50, "answered": 50}'
check "live records after the drop" wait_for 50 bash -c "[ \$(wc -l <'$W/out.jsonl') = 50 ]"
check "process attributed" grep -q '"name":"python3"' "$W/out.jsonl"
eq "health" "$(curl -s http://127.0.0.1:$HTTP/api/v1/health)" ok
# the programs' counters are still read without capabilities (bpf_stats)
runs() { curl -s http://127.0.0.1:$HTTP/api/v1/metrics/prometheus |
	awk '$1 == "dnstrail_bpf_program_runs_total{input=\"ebpf.0\",program=\"dt_net_dev_queue\"}" { print $2 }'; }
runs_reach() { [ "$(runs)" -ge "$1" ]; }
wait_for 50 runs_reach 100 || true
n=$(runs)
check "BPF run counts read as nobody ($n >= 100)" test "${n:-0}" -ge 100

conf tcp://127.0.0.1:80 # privileged: bind fails as nobody
kill -HUP $D
check "privileged reload fails cleanly" wait_for 50 grep -q "restoring the previous configuration" "$W/err"
conf tcp://127.0.0.1:$ZMQ
kill -HUP $D
check "plain reload works unprivileged" wait_for 50 grep -q "reloaded:" "$W/err"
eq "client after reloads" "$(python3 "$HERE/pipeline_dns.py" query $DNS 50 200)" '{"sent": 50, "answered": 50}'
check "still capturing" wait_for 50 bash -c "[ \$(wc -l <'$W/out.jsonl') = 100 ]"
eq "health after reloads" "$(curl -s http://127.0.0.1:$HTTP/api/v1/health)" ok
kill -TERM $D
wait $D; eq "daemon exit" $? 0
eq "final transactions" "$(stat_of "$W/err" transactions)" 100

# as the systemd unit starts it: already the service user, holding only
# CAP_BPF/CAP_PERFMON/CAP_SYS_PTRACE as ambient capabilities
cat >"$W/u.yaml" <<YAML
service:
  user: nobody
pipeline:
  inputs:
    - name: ebpf
      ports: [$DNS]
  outputs:
    - name: file
      path: $W/u.jsonl
YAML
chmod 644 "$W/u.yaml"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --inh-caps=+bpf,+perfmon,+sys_ptrace \
	--ambient-caps=+bpf,+perfmon,+sys_ptrace "$DNSTRAIL" -c "$W/u.yaml" 2>"$W/u.err" & D=$!
PIDS+=($D)
check "unit-style start: ready" wait_for 100 grep -q "ready:" "$W/u.err"
for c in CapInh CapPrm CapEff CapAmb; do
	eq "unit-style start: $c" "$(awk -v k=$c: '$1 == k {print $2}' /proc/$D/status)" 0000000000000000
done
eq "unit-style start: NoNewPrivs" "$(awk '/^NoNewPrivs:/ {print $2}' /proc/$D/status)" 1
eq "unit-style start: client" "$(python3 "$HERE/pipeline_dns.py" query $DNS 20 200)" '{"sent": 20, "answered": 20}'
check "unit-style start: records" wait_for 50 bash -c "[ \$(wc -l <'$W/u.jsonl') = 20 ]"
kill -TERM $D
wait $D; eq "unit-style start: exit" $? 0
finish
