#!/bin/bash
# SPDX-License-Identifier: MIT
# The command lines, the config keys, the final stats lines and the ECS JSON
# event of /work/shared/CONTRACT.md, checked on the real binaries with pcap
# replays (no root; loopback ZeroMQ only). The default endpoint
# tcp://127.0.0.1:5556 part is skipped when something else holds that port.
. "$(dirname "$0")/zmq_lib.sh"

CHECK="$PY $DT_SRC/tests/live/contract_check.py"

# --- options and help ---------------------------------------------------------
help=$("$BIN/dnstrail" --help) && rc=0 || rc=$?
expect_eq "dnstrail --help status" $rc 0
for o in -c, --config --stdout --publish --connect --pcap --duration --check-config \
	-v, --verbose --version --help; do
	expect_eq "dnstrail --help names $o" "$(grep -c -- "$o" <<<"$help" | sed 's/[1-9][0-9]*/yes/')" yes
done
expect_eq "dnstrail --help ends with examples" \
	"$(awk '/^Examples:/{e=1;next} e&&!/^  dnstrail/{bad=1} END{print e&&!bad}' <<<"$help")" 1
expect_eq "dnstrail --version" "$("$BIN/dnstrail" --version | grep -c '^dnstrail [0-9]')" 1
sub_help=$("$BIN/dnstrail-sub" --help)
for o in --connect --bind --topic --format text json dnstap -o, --output --count --timeout \
	--curve-server-key --curve-key tcp://127.0.0.1:5556; do
	expect_eq "dnstrail-sub --help names $o" \
		"$(grep -c -- "$o" <<<"$sub_help" | sed 's/[1-9][0-9]*/yes/')" yes
done
rc=0
"$BIN/dnstrail" --stdout=xml --pcap /dev/null 2>/dev/null || rc=$?
expect_eq "--stdout=xml refused" $((rc != 0)) 1

# --- configuration -------------------------------------------------------------
# the contract's example, exactly as written there
cat >"$W/contract.yaml" <<'EOF'
service:
  log_level: info                 # error | warn | info | debug
  http_listen: 127.0.0.1:2020     # GET /api/v1/health (200 "ok") and /api/v1/metrics/prometheus
  user: dnstrail                  # after attaching, run as this user with no capabilities left
pipeline:
  inputs:
    - name: ebpf                  # live capture; or `name: pcap` with `path: FILE`
      tag: dns
      ports: [53]
  filters:
    - name: domain
      match: dns                  # Fluent Bit-style tag pattern, `*` matches any run
      exclude: [example.com]      # suffix match on whole labels; `include:` keeps only these
  outputs:
    - name: zmq
      match: "*"
      publish: [tcp://127.0.0.1:5556]   # bind; `connect: [...]` to dial a collector
    - name: syslog
      match: "*"
      address: udp://127.0.0.1:514      # or unix:///dev/log, tcp://host:port (RFC 6587 octet counting)
    - name: stdout
      match: "*"
      format: json                      # or text
EOF
rc=0
"$BIN/dnstrail" --check-config -c "$W/contract.yaml" >"$W/cc.out" 2>&1 || rc=$?
if getent passwd dnstrail >/dev/null; then
	expect_eq "contract example config valid" $rc 0
else # the package creates the user; without it, that must be the only complaint
	expect_eq "contract example config: only user dnstrail missing" \
		"$rc $(grep -v "^$W/contract.yaml:4: user: " "$W/cc.out" | wc -l)" "1 0"
fi

bad() { # WHAT LINE KEY: YAML on stdin must fail with FILE:LINE: naming KEY
	local rc=0
	cat >"$W/bad.yaml"
	"$BIN/dnstrail" --check-config -c "$W/bad.yaml" >"$W/bad.out" 2>&1 || rc=$?
	expect_eq "$1: non-zero" $((rc != 0)) 1
	expect_eq "$1: FILE:LINE: key" \
		"$(grep -c "^$W/bad.yaml:$2: .*$3" "$W/bad.out" | sed 's/[1-9][0-9]*/yes/')" yes
}
printf 'service:\n  log_level: info\n  colour: red\n' | bad "unknown service key" 3 colour
printf 'pipeline:\n  inputs:\n    - name: pcap\n      path: /x\n      speed: 9\n' |
	bad "unknown input key" 5 speed
printf 'pipeline:\n  inputs:\n    - name: ebpf\n      ports: [fiftythree]\n' |
	bad "wrong type" 4 ports
printf 'pipeline:\n  inputs:\n    - name: pcap\n      tag: x\n' | bad "missing required key" 3 path
printf 'pipeline:\n  outputs:\n    - name: stdout\n      format: xml\n' | bad "bad value" 4 format

# --- one pcap with every kind of event -----------------------------------------
"$PY" "$DT_SRC/tests/live/contract_mkpcap.py" "$W/c.pcap"
rc=0
"$BIN/dnstrail" --pcap "$W/c.pcap" --stdout >"$W/c.json" 2>"$W/c.err" || rc=$?
expect_eq "replay exit status" $rc 0
if $CHECK events "$W/c.json" >"$W/ev.out"; then ok=yes; else ok=no; fi
cat "$W/ev.out"
expect_eq "ECS JSON events" $ok yes
if $CHECK stats "$W/c.err" >"$W/st.out"; then ok=yes; else ok=no; fi
expect_eq "final dnstrail_stats line" $ok yes
expect_eq "stats: events_published by the default zmq output" "$(z_stat "$W/c.err" events_published)" \
	"$(wc -l <"$W/c.json")"
"$BIN/dnstrail" --pcap "$W/c.pcap" --stdout=text >"$W/c.txt" 2>/dev/null
expect_eq "--stdout=text: a line per event" "$(wc -l <"$W/c.txt")" "$(wc -l <"$W/c.json")"
expect_eq "--stdout=text: not JSON" "$(grep -c '^{' "$W/c.txt" || true)" 0
"$BIN/dnstrail" --pcap "$W/c.pcap" --stdout=json >"$W/cj.json" 2>/dev/null
"$BIN/dnstrail" -v --pcap "$W/c.pcap" --stdout=json >/dev/null 2>"$W/v.err"
expect_eq "-v: debug lines" "$(grep -c '^dnstrail: debug: output stdout.0' "$W/v.err")" 1
expect_eq "without -v: none" "$(grep -c 'debug:' "$W/c.err" || true)" 0
expect_eq "--stdout = --stdout=json" "$(cmp -s "$W/c.json" "$W/cj.json" && echo same)" same

# --- topics, repeated --publish, the subscriber --------------------------------
EP1="ipc://$W/p1.sock"
EP2="tcp://127.0.0.1:$((20000 + RANDOM % 12000))" # below the ephemeral range
"$PY" - "$EP1" >"$W/topics.txt" <<'EOF' &
import sys, zmq
s = zmq.Context().socket(zmq.SUB)
s.connect(sys.argv[1]); s.setsockopt(zmq.SUBSCRIBE, b""); s.setsockopt(zmq.RCVTIMEO, 4000)
try:
    while True:
        m = s.recv_multipart(); print(len(m), m[0].decode())
except zmq.Again:
    pass
EOF
TP=$!
Z_PIDS+=("$TP")
z_bg "$BIN/dnstrail-sub" --connect "$EP2" --topic dns.NXDOMAIN. --topic dns.TIMEOUT. \
	--count 2 --format text -o "$W/sub.txt" 2>"$W/sub.err"
SP=$Z_LAST
mkfifo "$W/f.pcap"
z_bg "$BIN/dnstrail" --pcap "$W/f.pcap" --publish "$EP1" --publish "$EP2" 2>"$W/p.err"
DP=$Z_LAST
# the header opens the input (so the sockets are bound); the packets come
# after the subscribers have joined
"$PY" -c '
import sys, time
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d[:24]); f.flush(); time.sleep(1.5); f.write(d[24:])' "$W/c.pcap" "$W/f.pcap"
z_wait_exit "$DP" 15
z_wait_exit "$SP" 15
z_wait_exit "$TP" 15
expect_eq "multipart: 2 frames" "$(awk '$1 != 2' "$W/topics.txt" | wc -l)" 0
expect_eq "topic of an NXDOMAIN" "$(grep -c '^2 dns\.NXDOMAIN\.A\.[^.]*\.$' "$W/topics.txt")" 1
expect_eq "topic of a timeout" "$(grep -c '^2 dns\.TIMEOUT\.A\.[^.]*\.$' "$W/topics.txt")" 1
expect_eq "topic of TYPE65280" "$(grep -c '^2 dns\.NOERROR\.TYPE65280\.' "$W/topics.txt")" 1
expect_eq "_stats. topic" "$(grep -c '^2 _stats\.' "$W/topics.txt" | sed 's/[1-9][0-9]*/yes/')" yes
expect_eq "every event published on the first --publish" \
	"$(grep -c '^2 dns\.' "$W/topics.txt")" "$(wc -l <"$W/c.json")"
expect_eq "sub --topic x2 --count 2" "$(wc -l <"$W/sub.txt")" 2
expect_eq "sub saw only its topics" "$(grep -vcE 'NXDOMAIN|TIMEOUT' "$W/sub.txt" || true)" 0
if $CHECK substats "$W/sub.err" >/dev/null; then ok=yes; else ok=no; fi
expect_eq "final dnstrail_sub_stats line" $ok yes

# --- defaults: publish tcp://127.0.0.1:5556, the subscriber connects there -----
if ss -Hltn 'sport = :5556' | grep -q .; then
	echo "skip default endpoint: port 5556 in use"
else
	z_bg "$BIN/dnstrail-sub" --count 3 --timeout 10 -o "$W/def.json" 2>"$W/def.err"
	SP=$Z_LAST
	rm -f "$W/f.pcap"
	mkfifo "$W/f.pcap"
	z_bg "$BIN/dnstrail" --pcap "$W/f.pcap" 2>"$W/pd.err"
	DP=$Z_LAST
	"$PY" -c '
import sys, time
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d[:24]); f.flush(); time.sleep(1.5); f.write(d[24:])' "$W/c.pcap" "$W/f.pcap"
	z_wait_exit "$DP" 15
	z_wait_exit "$SP" 15
	expect_eq "default endpoints: sub --count 3" "$(wc -l <"$W/def.json")" 3
	expect_eq "sub json = forwarder json" "$(head -3 "$W/c.json" | cmp -s - "$W/def.json" && echo same)" same
	expect_eq "sub stats received" "$(z_stat "$W/def.err" received)" 3
fi

# --- sub --format dnstap: a file dnstap-read and dnstap-ldns read ---------------
rc=0
"$BIN/dnstrail-sub" --format dnstap --timeout 1 >/dev/null 2>&1 || rc=$?
expect_eq "dnstap without -o refused" $((rc != 0)) 1
z_config "$W/tap.yaml" "$W/c.pcap" publish "ipc://$W/tap.sock" tap 2 </dev/null
z_bg "$BIN/dnstrail-sub" --connect "ipc://$W/tap.sock" --format dnstap -o "$W/c.tap" \
	--timeout 2 2>"$W/tap.err"
SP=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "ipc://$W/tap.sock" --format json -o "$W/sj.json" \
	--timeout 2 2>"$W/sj.err"
SJ=$Z_LAST
"$BIN/dnstrail" -c "$W/tap.yaml" 2>/dev/null
z_wait_exit "$SP" 15
z_wait_exit "$SJ" 15
# every kind of event (timeout, orphan, malformed, IPv6) survives the wire
expect_eq "sub --format json = forwarder json, all events" \
	"$(cmp -s "$W/c.json" "$W/sj.json" && echo same)" same
# a query frame per event but the orphan, a response frame per event but the timeout
frames=$(($(wc -l <"$W/c.json") * 2 - 2))
expect_eq "dnstap-read frames" "$(dnstap-read "$W/c.tap" | wc -l)" $frames
if command -v dnstap-ldns >/dev/null; then
	expect_eq "dnstap-ldns frames" "$(dnstap-ldns -r "$W/c.tap" | grep -c ' S[QR] ')" $frames
else
	echo "skip dnstap-ldns: not installed (apt-get install dnstap-ldns)"
fi

# --- sub --timeout: exits by itself when nothing comes --------------------------
rc=0
timeout 10 "$BIN/dnstrail-sub" --connect "ipc://$W/nobody.sock" --timeout 1 \
	>/dev/null 2>"$W/to.err" || rc=$?
expect_eq "sub --timeout exit status" $rc 0
expect_eq "sub --timeout stats" "$(tail -1 "$W/to.err")" \
	'{"dnstrail_sub_stats":{"received":0,"gaps":0,"lost":0,"publishers":0}}'
z_finish
