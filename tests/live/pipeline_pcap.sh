#!/bin/bash
# --pcap: replay without privileges; every transaction comes out once, pending
# queries become timeouts at the end; filters count what they remove; stdout
# JSON, file output and the final stats line agree.
. "$(dirname "$0")/pipeline_lib.sh"

expect=$(python3 "$HERE/pipeline_mkpcap.py" "$W/t.pcap" --pairs 300 --nxdomain 40 --timeouts 25)
chmod 644 "$W/t.pcap"
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all); fi

cat >"$W/all.yaml" <<YAML
pipeline:
  outputs:
    - name: stdout
      format: json
    - name: file
      path: $W/all.jsonl
YAML
set +e
"${RUN[@]}" "$DNSTRAIL" -c "$W/all.yaml" --pcap "$W/t.pcap" >"$W/all.out" 2>"$W/all.err"
rc=$?
eq "pcap replay exits 0 (unprivileged: ${RUN:+nobody})" $rc 0
set -e
eq "stdout lines" "$(wc -l <"$W/all.out")" 365
eq "file lines" "$(wc -l <"$W/all.jsonl")" 365
eq "stats transactions" "$(stat_of "$W/all.err" transactions)" 365
eq "stats timeouts" "$(stat_of "$W/all.err" timeouts)" 25
eq "stats output_drops" "$(stat_of "$W/all.err" output_drops)" 0
eq "stats packets_captured" "$(stat_of "$W/all.err" packets_captured)" 705
check "stats line is the last line on stderr" bash -c "tail -n 1 '$W/all.err' | grep -q '^{\"dnstrail_stats\":{'"
summary=$(python3 - "$W/all.out" <<'PY'
import collections, json, sys
c = collections.Counter()
names = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    c[e["dnstrail"]["status"] + "/" + e["dns"].get("response_code", "-")] += 1
    names.add(e["dns"]["question"]["name"])
print(" ".join("%s=%d" % kv for kv in sorted(c.items())), len(names))
PY
)
eq "statuses and rcodes" "$summary" "ok/NOERROR=300 ok/NXDOMAIN=40 timeout/-=25 365"
check "file output equals stdout" cmp -s "$W/all.out" "$W/all.jsonl"
# "-" reads the capture from standard input: the same events
"$DNSTRAIL" --stdout=json --pcap - --publish "ipc://$W/stdin.sock" <"$W/t.pcap" \
	>"$W/stdin.out" 2>"$W/stdin.err"
check "--pcap - reads standard input (same events)" cmp -s "$W/all.out" "$W/stdin.out"

# filters: NXDOMAIN and timeouts only, then everything under example.net dropped
cat >"$W/filt.yaml" <<YAML
pipeline:
  filters:
    - name: query
      match: "*"
      rcode: [NXDOMAIN, TIMEOUT]
    - name: domain
      match: "d*"
      exclude: [EXAMPLE.net]
  outputs:
    - name: stdout
      format: text
YAML
"$DNSTRAIL" -c "$W/filt.yaml" --pcap "$W/t.pcap" >"$W/filt.out" 2>"$W/filt.err"
eq "filtered lines (timeouts only)" "$(wc -l <"$W/filt.out")" 25
check "only lost*.example.org left" bash -c "! grep -v 'lost[0-9]*.example.org' '$W/filt.out'"
eq "stats filtered" "$(stat_of "$W/filt.err" filtered)" 340
eq "stats transactions unchanged" "$(stat_of "$W/filt.err" transactions)" 365

# text and sample: 1 in 10
cat >"$W/sample.yaml" <<YAML
pipeline:
  filters:
    - name: sample
      every: 10
  outputs:
    - name: stdout
      format: text
YAML
"$DNSTRAIL" -c "$W/sample.yaml" --pcap "$W/t.pcap" >"$W/sample.out" 2>"$W/sample.err"
eq "sample every 10" "$(wc -l <"$W/sample.out")" 37

# a stdout reader that never reads must not hold up the file output or the exit
python3 "$HERE/pipeline_mkpcap.py" "$W/mid.pcap" --pairs 20000 --rate 100000 >/dev/null
cat >"$W/slow.yaml" <<YAML
pipeline:
  outputs:
    - name: stdout
      blocking: false     # as during live capture
      drain_timeout: 500ms
    - name: file
      path: $W/slow.jsonl
YAML
( start=$(date +%s%N)
  "$DNSTRAIL" -c "$W/slow.yaml" --pcap "$W/mid.pcap" 2>"$W/slow.err"
  echo "$? $((($(date +%s%N) - start) / 1000000))" >"$W/slow.tmp"; mv "$W/slow.tmp" "$W/slow.rc" ) |
	# the reader: never reads, leaves when the daemon has finished (or after 20 s)
	for _ in $(seq 200); do [ -e "$W/slow.rc" ] && break; sleep 0.1; done
read -r rc ms <"$W/slow.rc"
eq "stuck stdout: exit status" "$rc" 0
check "stuck stdout: exit within 10 s ($ms ms), not when the reader leaves" test "$ms" -lt 10000
eq "stuck stdout: file output complete" "$(wc -l <"$W/slow.jsonl")" 20000
check "stuck stdout: its losses are counted" test "$(stat_of "$W/slow.err" output_drops)" -gt 15000

# replaying a file, stdout waits for a slow reader (blocking: auto) and loses nothing
printf 'pipeline:\n  outputs:\n    - name: stdout\n' >"$W/block.yaml"
n=$("$DNSTRAIL" --pcap "$W/mid.pcap" --stdout -c "$W/block.yaml" 2>"$W/block.err" | (sleep 3; wc -l))
eq "replay: slow reader gets every record (20 MB > buffer + pipe)" "$n" 20000
eq "replay: no output drops" "$(stat_of "$W/block.err" output_drops)" 0
finish
