#!/bin/bash
# SPDX-License-Identifier: MIT
# Memory over a long run: dnstrail + dnstrail-sub under steady dnsperf load;
# VmRSS, VmHWM, the ring buffer's share and where the rest goes, sampled
# every second to a CSV.
set -uo pipefail
DTB_USAGE="Memory: DTB_MEM_SECONDS (default 120) of dnsperf at DTB_MEM_QPS queries/s (default
20000) with dnstrail running; samples /proc/PID/status and smaps every second to
\$DTB_OUT/memory.csv (seconds,vmrss_kb,vmhwm_kb,ring_kb,cpu_s, then where the RSS goes,
see dtb_mem_breakdown in lib.sh: heap_kb,arenas_kb,anon_kb,libs_kb,libs_dirty_kb,
binary_kb,stacks_kb,other_kb). Reports peak VmHWM beside the ring buffer, VmRSS at the
end and its breakdown, the breakdown at the sample of highest RSS, the start/middle/end
of the curve, and growth between the first and last fifth of the run.
DTB_MEM_ANALYZE=0 skips the per-event analysis (slow for long runs: ~25 k lines/s) and
counts what the subscriber received instead. DTB_MEM_DAEMON_ARGS: extra dnstrail arguments
(e.g. \"-c zmq-sndhwm.yaml\" to try another ZeroMQ queue bound; --publish is merged in).
DTB_MEM_SUB_STALL=SECONDS:EVERY stops the subscriber (SIGSTOP) for SECONDS every EVERY
seconds of the run, to see what a queue bound costs in drops when the reader stalls.
DTB_MEM_DROPS=1 also records when drops happen: the daemon serves its metrics
(--http-listen on port DTB_PORT+1, one more thread: a little more RSS) and every sample
adds kernel_drops,output_drops (counts so far) to the CSV; the table says when each
first went above 0."
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_MEM_SECONDS:=120}"
: "${DTB_MEM_QPS:=20000}"
: "${DTB_MEM_ANALYZE:=1}"
: "${DTB_MEM_DAEMON_ARGS:=}"
: "${DTB_MEM_DROPS:=}"
: "${DTB_MEM_SUB_STALL:=}"
dtb_init
dtb_have_dnstrail || { dtb_result "peak RSS" "n/a" "" "no $DTB_BUILD/bin/dnstrail"; dtb_table "$DTB_TSV"; exit 0; }
dtb_setup

CSV="$DTB_OUT/memory.csv"
BD_KEYS="heap arenas anon libs libs_dirty binary stacks other"
METRICS=
if [ -n "$DTB_MEM_DROPS" ]; then
	METRICS="http://127.0.0.1:$((DTB_PORT + 1))/api/v1/metrics/prometheus"
	DTB_MEM_DAEMON_ARGS="--http-listen 127.0.0.1:$((DTB_PORT + 1)) $DTB_MEM_DAEMON_ARGS"
fi
# shellcheck disable=SC2086 # word splitting wanted: extra arguments
dtb_daemon_start mem $DTB_MEM_DAEMON_ARGS
if [ "$DTB_MEM_ANALYZE" = 1 ]; then
	dtb_sub_start mem
else
	dtb_sub_start mem /dev/null
fi
PID=$DTB_DAEMON_PID

# bd "key=value ..." KEY: one value of a dtb_mem_breakdown line
bd() { printf '%s\n' $1 | awk -F= -v k="$2" '$1 == k {print $2}'; }

# One CSV line after the seconds: status, ring, CPU, then the breakdown.
mem_sample()
{
	local b k line
	b=$(dtb_mem_breakdown "$PID")
	line="$(dtb_status_kb "$PID" VmRSS),$(dtb_status_kb "$PID" VmHWM)"
	line="$line,$(dtb_bpf_map_rss_kb "$PID"),$(dtb_cpu "$PID")"
	for k in $BD_KEYS; do
		line="$line,$(bd "$b" "$k")"
	done
	[ -z "$METRICS" ] || line="$line,$(curl -s --max-time 0.5 "$METRICS" | awk '
		$1 == "dnstrail_kernel_drops_total" { k = $2 }
		$1 == "dnstrail_output_drops_total" { o = $2 }
		END { printf "%s,%s", k, o }')"
	printf '%s\n' "$line"
}

echo "seconds,vmrss_kb,vmhwm_kb,ring_kb,cpu_s,$(printf '%s_kb,' $BD_KEYS | sed 's/,$//')${METRICS:+,kernel_drops,output_drops}" >"$CSV"
(
	DTB_DURATION=$DTB_MEM_SECONDS
	dtb_dnsperf "$DTB_WORK/dnsperf-mem.txt" -Q "$DTB_MEM_QPS"
	echo "$DNSPERF_COMPLETED" >"$DTB_WORK/completed"
) &
LOAD=$!
DTB_PIDS+=($LOAD)
if [ -n "$DTB_MEM_SUB_STALL" ]; then
	(
		while sleep "${DTB_MEM_SUB_STALL#*:}"; do
			kill -0 "$LOAD" 2>/dev/null || break
			kill -STOP "$DTB_SUB_PID" 2>/dev/null || break
			sleep "${DTB_MEM_SUB_STALL%%:*}"
			kill -CONT "$DTB_SUB_PID"
		done
	) &
	STALLER=$!
	DTB_PIDS+=($STALLER)
fi
t0=$(date +%s.%N)
while kill -0 "$LOAD" 2>/dev/null; do
	printf '%.1f,%s\n' "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {print a - b}')" \
		"$(mem_sample)" >>"$CSV"
	sleep 1
done
wait "$LOAD"
if [ -n "$DTB_MEM_SUB_STALL" ]; then
	kill "$STALLER" 2>/dev/null
	wait "$STALLER" 2>/dev/null
	kill -CONT "$DTB_SUB_PID" 2>/dev/null
fi
HWM=$(dtb_status_kb "$PID" VmHWM)
RSS=$(dtb_status_kb "$PID" VmRSS)
RING=$(dtb_bpf_map_rss_kb "$PID")
BD_END=$(dtb_mem_breakdown "$PID")
dtb_daemon_stop
dtb_sub_wait
COMPLETED=$(cat "$DTB_WORK/completed" 2>/dev/null || echo 0)
if [ "$DTB_MEM_ANALYZE" = 1 ]; then
	eval "$(dtb_analyze "$DTB_SUB_OUT" | sed 's/^/A_/')"
else
	# counting by the subscriber only: other DNS on the host counts too
	A_status_ok=$(dtb_stat "$DTB_SUB_STATS" received) A_duplicates="(not analysed)"
fi

# growth: mean RSS of the last fifth minus the first fifth (after a 5 s
# warm-up); the curve: mean of 5 samples around start, middle and end;
# the breakdown at the sample of highest VmRSS
CURVE=$("$DTB_PY" - "$CSV" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["vmrss_kb"]]
rows = [r for r in rows if float(r["seconds"]) >= 5] or rows
if not rows:
    print("? ? ?")
    sys.exit()
n = max(1, len(rows) // 5)
mean = lambda rs: sum(int(r["vmrss_kb"]) for r in rs) / len(rs)
a, b = mean(rows[:n]), mean(rows[-n:])
print(f"{b - a:+.0f} kB ({a:.0f} -> {b:.0f} kB, {len(rows)} samples)")
at = lambda i: f"{float(rows[i]['seconds']):.0f} s: {mean(rows[max(0, i - 2):i + 3]):.0f}"
top = max(rows, key=lambda r: int(r["vmrss_kb"]))
print(", ".join(at(i) for i in (0, len(rows) // 2, len(rows) - 1)) +
      f" kB (max {top['vmrss_kb']} kB at {float(top['seconds']):.0f} s)")
keys = ["heap", "arenas", "anon", "libs", "libs_dirty", "binary", "stacks", "other"]
if top.get("heap_kb"):
    print(f"at {float(top['seconds']):.0f} s: VmRSS {top['vmrss_kb']} = ring {top['ring_kb']} + " +
          " + ".join(f"{k} {top[k + '_kb']}" for k in keys) + " kB")
else:
    print("?")
EOF
)
GROWTH=$(sed -n 1p <<<"$CURVE")
dtb_result "peak VmHWM kB" "$HWM" "" "ring buffer RSS $RING kB"
dtb_result "peak VmHWM beside the ring, MiB" \
	"$(awk -v h="$HWM" -v r="$RING" 'BEGIN { printf "%.2f", (h - r) / 1024 }')" "<= 16" \
	"VmHWM - ring RSS at the end; while loading, before the ring was mapped: ${DTB_DAEMON_LOAD_HWM:-?} kB"
dtb_result "VmRSS at the end beside the ring, MiB" \
	"$(awk -v h="$RSS" -v r="$RING" 'BEGIN { printf "%.2f", (h - r) / 1024 }')" "" \
	"VmRSS $RSS kB = ring $RING + heap $(bd "$BD_END" heap) + thread arenas $(bd "$BD_END" arenas) + anon mmaps $(bd "$BD_END" anon) + libraries $(bd "$BD_END" libs) + their dirty pages $(bd "$BD_END" libs_dirty) + binary $(bd "$BD_END" binary) + stacks $(bd "$BD_END" stacks) + other $(bd "$BD_END" other) kB"
dtb_result "RSS breakdown at the highest sample" "$(sed -n 3p <<<"$CURVE")" "" \
	"heap: small mallocs, ZeroMQ's queued messages; arenas: ZeroMQ's I/O thread; anon: big tables (transactions, processes), libbpf"
dtb_result "VmRSS curve: start, middle, end" "$(sed -n 2p <<<"$CURVE")" "flat" "curve: memory.csv"
dtb_result "VmRSS growth, first vs last fifth" "$GROWTH" "flat" "curve: memory.csv"
dtb_result "completeness % over the run" \
	"$(awk -v o="${A_status_ok:-0}" -v c="$COMPLETED" 'BEGIN { if (c > 0) printf "%.2f", 100 * o / c; else print "?" }')" \
	"100.00" "$COMPLETED completed, ${A_status_ok:-0} ok events, ${A_duplicates:-?} duplicates"
# CPU from the first sample on: loading (BTF, verifier, /proc scan) is not
# per transaction and took ~1.5 s here, 0.06 s per 100 k over 120 s at 20 k/s
CPU=$(awk -F, 'NR == 2 { a = $5 } END { printf "%.3f", $5 - a }' "$CSV")
TX=$(dtb_stat "$DTB_DAEMON_STATS" transactions)
dtb_result "CPU s per 100k transactions at a steady rate" \
	"$(awk -v c="$CPU" -v t="$TX" 'BEGIN { if (t > 0) printf "%.3f", c * 100000 / t; else print "?" }')" \
	"<= 0.05" "utime+stime of dnstrail over the run ($CPU s after loading), $TX transactions"
dtb_result "kernel_drops / output_drops / sub lost" \
	"$(dtb_stat "$DTB_DAEMON_STATS" kernel_drops) / $(dtb_stat "$DTB_DAEMON_STATS" output_drops) / $(dtb_stat "$DTB_SUB_STATS" lost)" \
	"0 / 0 / 0" "${DTB_MEM_SECONDS}s at $DTB_MEM_QPS q/s${DTB_MEM_SUB_STALL:+, subscriber stopped $DTB_MEM_SUB_STALL}"
if [ -n "$METRICS" ]; then
	dtb_result "drops over time (DTB_MEM_DROPS)" "$("$DTB_PY" - "$CSV" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
out = []
for k in ("kernel_drops", "output_drops"):
    seen = [r for r in rows if (r.get(k) or "0").isdigit() and int(r[k]) > 0]
    last = next((r[k] for r in reversed(rows) if r.get(k)), "?")
    out.append(f"{k}: " + (f"first at {float(seen[0]['seconds']):.0f} s, {last} at the last sample"
                           if seen else f"none ({last} at the last sample)"))
print("; ".join(out))
EOF
)" "" "per-second counts in memory.csv"
fi
dtb_table "$DTB_TSV"
