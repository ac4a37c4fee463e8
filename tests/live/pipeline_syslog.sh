#!/bin/bash
# Output syslog: RFC 5424 + [dns@32473 ...] structured data, parsed by a real
# listener over UDP and over TCP (RFC 6587 octet counting); escapes survive the
# round trip; a receiver that is not there costs counted drops, not a hang.
. "$(dirname "$0")/pipeline_lib.sh"

UDP=$PORT_BASE
TCP=$((PORT_BASE + 1))
DEAD=$((PORT_BASE + 2))
python3 "$HERE/pipeline_mkpcap.py" "$W/t.pcap" --pairs 200 --nxdomain 20 --timeouts 10 --odd >/dev/null
python3 "$HERE/pipeline_syslog_rx.py" udp $UDP "$W/udp.jsonl" & PIDS+=($!)
python3 "$HERE/pipeline_syslog_rx.py" tcp $TCP "$W/tcp.jsonl" & PIDS+=($!)
python3 "$HERE/pipeline_syslog_rx.py" unix "$W/log.sock" "$W/unix.jsonl" & PIDS+=($!)
wait_for 50 bash -c "ss -Hlnu 'sport = :$UDP' | grep -q . && ss -Hlnt 'sport = :$TCP' | grep -q . && test -S '$W/log.sock'"

cat >"$W/c.yaml" <<YAML
service:
  host_name: host-under-test
pipeline:
  outputs:
    - name: syslog
      address: udp://127.0.0.1:$UDP
      facility: local3
      severity: notice
    - name: syslog
      address: tcp://127.0.0.1:$TCP
    - name: syslog
      address: unix://$W/log.sock
      facility: daemon
      queue_size: 100000
    - name: stdout
      format: json
YAML
"$DNSTRAIL" -c "$W/c.yaml" --pcap "$W/t.pcap" >"$W/out.jsonl" 2>"$W/err"
eq "daemon exit" $? 0
N=233
wait_for 50 bash -c "[ \$(wc -l <'$W/udp.jsonl') -ge $N ] && [ \$(wc -l <'$W/tcp.jsonl') -ge $N ] && [ \$(wc -l <'$W/unix.jsonl') -ge $N ]" || true
eq "udp messages" "$(wc -l <"$W/udp.jsonl")" $N
eq "tcp messages" "$(wc -l <"$W/tcp.jsonl")" $N
eq "unix messages" "$(wc -l <"$W/unix.jsonl")" $N

python3 - "$W" >"$W/verdict" <<'PY'
import json, sys
w = sys.argv[1]
events = [json.loads(l) for l in open(w + "/out.jsonl")]
want = sorted((e["dns"]["question"]["name"], e["dns"].get("response_code", "TIMEOUT")) for e in events)
for kind, pri in (("udp", 19 * 8 + 5), ("tcp", 1 * 8 + 6), ("unix", 3 * 8 + 6)):
    msgs = [json.loads(l) for l in open("%s/%s.jsonl" % (w, kind))]
    bad = [m for m in msgs if "error" in m]
    if bad:
        print("%s: %d unparsable, first: %s" % (kind, len(bad), bad[0])); continue
    got = sorted((m["sd"]["dns@32473"]["qname"], m["sd"]["dns@32473"]["rcode"]) for m in msgs)
    problems = []
    if got != want: problems.append("qname/rcode differ from the JSON events")
    if any(m["pri"] != pri for m in msgs): problems.append("PRI")
    if any(m["host"] != "host-under-test" or m["app"] != "dnstrail" or m["msgid"] != "dns" for m in msgs):
        problems.append("header fields")
    sd = [m["sd"]["dns@32473"] for m in msgs]
    if any(p.get("qtype") != "A" or p.get("transport") != "udp" or p.get("src") != "10.0.0.1" for p in sd):
        problems.append("qtype/transport/src")
    if not any(p["qname"] == 'we\\"ird]x.example.com' for p in sd): problems.append("escaped quote/bracket")
    if not any(p["qname"] == 'back\\\\slash.example.com' for p in sd): problems.append("escaped backslash")
    ok = [p for p in sd if p["status"] == "ok" and p["rcode"] == "NOERROR"]
    if not ok or any("answers" not in p or not p["answers"].startswith("A 192.0.2.") for p in ok):
        problems.append("answers")
    if sum(p["status"] == "timeout" for p in sd) != 10: problems.append("timeouts")
    if any(len(m["timestamp"].split(".")[-1]) != 7 for m in msgs): problems.append("timestamp: 6 fraction digits + Z")
    print("%s: %s" % (kind, ", ".join(problems) or "ok"))
PY
eq "udp content" "$(grep ^udp "$W/verdict")" "udp: ok"
eq "tcp content" "$(grep ^tcp "$W/verdict")" "tcp: ok"
eq "unix content" "$(grep ^unix "$W/verdict")" "unix: ok"

# replaying a file, a queue far smaller than the file waits for the receiver
cat >"$W/small.yaml" <<YAML
pipeline:
  outputs:
    - name: syslog
      address: tcp://127.0.0.1:$TCP
      queue_size: 8
YAML
"$DNSTRAIL" -c "$W/small.yaml" --pcap "$W/t.pcap" 2>"$W/small.err" >/dev/null
eq "small queue: exit" $? 0
eq "small queue: no drops in replay" "$(stat_of "$W/small.err" output_drops)" 0
wait_for 50 bash -c "[ \$(wc -l <'$W/tcp.jsonl') -ge $((2 * N)) ]" || true
eq "small queue: every message arrived" "$(wc -l <"$W/tcp.jsonl")" $((2 * N))

# nobody listening on TCP: bounded queue, drops counted, bounded exit
cat >"$W/dead.yaml" <<YAML
pipeline:
  outputs:
    - name: syslog
      address: tcp://127.0.0.1:$DEAD
      queue_size: 50
      drain_timeout: 300ms
YAML
start=$(date +%s%N)
"$DNSTRAIL" -c "$W/dead.yaml" --pcap "$W/t.pcap" 2>"$W/dead.err" >/dev/null
eq "dead receiver: exit" $? 0
ms=$((($(date +%s%N) - start) / 1000000))
check "dead receiver: exit within 2 s ($ms ms)" test $ms -lt 2000
eq "dead receiver: every record counted as dropped" "$(stat_of "$W/dead.err" output_drops)" $N

# receiver appears late: queued messages go out after a reconnect (backoff)
LATE=$((PORT_BASE + 3))
cat >"$W/late.yaml" <<YAML
pipeline:
  outputs:
    - name: syslog
      address: tcp://127.0.0.1:$LATE
      reconnect_min: 100ms
      drain_timeout: 5s
YAML
"$DNSTRAIL" -c "$W/late.yaml" --pcap "$W/t.pcap" 2>"$W/late.err" >/dev/null & D=$!
PIDS+=($D)
sleep 0.7
python3 "$HERE/pipeline_syslog_rx.py" tcp $LATE "$W/late.jsonl" & PIDS+=($!)
wait $D; eq "late receiver: exit" $? 0
wait_for 30 bash -c "[ \$(wc -l <'$W/late.jsonl') -ge $N ]" || true
eq "late receiver: every message delivered" "$(wc -l <"$W/late.jsonl")" $N
eq "late receiver: no drops" "$(stat_of "$W/late.err" output_drops)" 0

# the same, on a port the kernel also hands out as a source port: a connect
# with nobody listening may then reach itself (simultaneous open), and sends
# would vanish into the daemon's own socket. An empty network namespace whose
# only ephemeral ports are SELF and SELF+1 makes that happen every time.
if [ "$(id -u)" = 0 ]; then
	SELF=$(((PORT_BASE + 10) & ~1))
	sed "s/:$LATE/:$SELF/" "$W/late.yaml" >"$W/self.yaml"
	unshare -n bash -c '
		ip link set lo up && sysctl -qw net.ipv4.ip_local_port_range="$1 $(($1 + 1))" || exit 9
		"$2" -c "$3/self.yaml" --pcap "$3/t.pcap" 2>"$3/self.err" >/dev/null & d=$!
		sleep 0.7
		python3 "$4" tcp "$1" "$3/self.jsonl" 2>"$3/self.rx.err" & r=$!
		wait $d; rc=$?
		for i in $(seq 50); do [ $(wc -l <"$3/self.jsonl") -ge $5 ] && break; sleep 0.1; done
		kill $r; exit $rc' _ "$SELF" "$DNSTRAIL" "$W" "$HERE/pipeline_syslog_rx.py" $N
	eq "self-connect: exit" $? 0
	eq "self-connect: every message delivered" "$(wc -l <"$W/self.jsonl")" $N
	eq "self-connect: no drops" "$(stat_of "$W/self.err" output_drops)" 0
	eq "self-connect: receiver could listen" "$(cat "$W/self.rx.err")" ""

	# UDP: a connect takes a free ephemeral port as its source, and with
	# SELF+1 held that is SELF itself. Then the receiver appears on SELF and
	# the holder goes away: only a daemon that dropped its self-connected
	# socket lets the receiver bind, and reaches it from SELF+1. Each step
	# waits for the one before (the holder's and the receiver's binds), not
	# for a time: a Python interpreter can take a third of a second to start.
	sed -e "s|tcp://127.0.0.1:$SELF|udp://127.0.0.1:$SELF|" "$W/self.yaml" >"$W/uself.yaml"
	unshare -n bash -c '
		ip link set lo up && sysctl -qw net.ipv4.ip_local_port_range="$1 $(($1 + 1))" || exit 9
		bound() { ss -Hlun "sport = :$1" | grep -q .; }
		python3 -c "import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"0.0.0.0\", int(sys.argv[1])))
time.sleep(60)" $(($1 + 1)) & h=$!
		for i in $(seq 200); do bound $(($1 + 1)) && break; sleep 0.05; done
		"$2" -c "$3/uself.yaml" --pcap "$3/t.pcap" 2>"$3/uself.err" >/dev/null & d=$!
		sleep 0.5
		: >"$3/uself.jsonl"
		python3 "$4" udp "$1" "$3/uself.jsonl" 2>"$3/uself.rx.err" & r=$!
		for i in $(seq 200); do bound $1 && break; sleep 0.05; done
		kill $h 2>/dev/null
		wait $d; rc=$?
		for i in $(seq 50); do [ $(wc -l <"$3/uself.jsonl") -ge $5 ] && break; sleep 0.1; done
		kill $r $h 2>/dev/null; exit $rc' _ "$SELF" "$DNSTRAIL" "$W" "$HERE/pipeline_syslog_rx.py" $N
	eq "udp self-connect: exit" $? 0
	eq "udp self-connect: receiver could listen" "$(cat "$W/uself.rx.err")" ""
	eq "udp self-connect: every message delivered" "$(wc -l <"$W/uself.jsonl" 2>/dev/null)" $N
fi
finish
