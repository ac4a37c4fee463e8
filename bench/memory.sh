#!/bin/bash
# SPDX-License-Identifier: MIT
# Memory over a long run: dnstrail + dnstrail-sub under steady dnsperf load;
# VmRSS, VmHWM and the ring buffer's share sampled every second to a CSV.
set -uo pipefail
DTB_USAGE="Memory: DTB_MEM_SECONDS (default 120) of dnsperf at DTB_MEM_QPS queries/s (default
20000) with dnstrail running; samples /proc/PID/status every second to
\$DTB_OUT/memory.csv (seconds,vmrss_kb,vmhwm_kb,ring_kb,cpu_s). Reports peak VmHWM
beside the ring buffer, and growth between the first and last fifth of the run.
DTB_MEM_ANALYZE=0 skips the per-event analysis (slow for long runs: ~25 k lines/s) and
counts what the subscriber received instead."
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_MEM_SECONDS:=120}"
: "${DTB_MEM_QPS:=20000}"
: "${DTB_MEM_ANALYZE:=1}"
dtb_init
dtb_have_dnstrail || { dtb_result "peak RSS" "n/a" "" "no $DTB_BUILD/bin/dnstrail"; dtb_table "$DTB_TSV"; exit 0; }
dtb_setup

CSV="$DTB_OUT/memory.csv"
dtb_daemon_start mem
if [ "$DTB_MEM_ANALYZE" = 1 ]; then
	dtb_sub_start mem
else
	dtb_sub_start mem /dev/null
fi
PID=$DTB_DAEMON_PID
echo "seconds,vmrss_kb,vmhwm_kb,ring_kb,cpu_s" >"$CSV"
(
	DTB_DURATION=$DTB_MEM_SECONDS
	dtb_dnsperf "$DTB_WORK/dnsperf-mem.txt" -Q "$DTB_MEM_QPS"
	echo "$DNSPERF_COMPLETED" >"$DTB_WORK/completed"
) &
LOAD=$!
DTB_PIDS+=($LOAD)
t0=$(date +%s.%N)
while kill -0 "$LOAD" 2>/dev/null; do
	printf '%.1f,%s,%s,%s,%s\n' "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {print a - b}')" \
		"$(dtb_status_kb "$PID" VmRSS)" "$(dtb_status_kb "$PID" VmHWM)" \
		"$(dtb_bpf_map_rss_kb "$PID")" "$(dtb_cpu "$PID")" >>"$CSV"
	sleep 1
done
wait "$LOAD"
HWM=$(dtb_status_kb "$PID" VmHWM)
RING=$(dtb_bpf_map_rss_kb "$PID")
dtb_daemon_stop
dtb_sub_wait
COMPLETED=$(cat "$DTB_WORK/completed" 2>/dev/null || echo 0)
if [ "$DTB_MEM_ANALYZE" = 1 ]; then
	eval "$(dtb_analyze "$DTB_SUB_OUT" | sed 's/^/A_/')"
else
	# counting by the subscriber only: other DNS on the host counts too
	A_status_ok=$(dtb_stat "$DTB_SUB_STATS" received) A_duplicates="(not analysed)"
fi

# growth: mean RSS of the last fifth minus the first fifth (after a 5 s warm-up)
GROWTH=$("$DTB_PY" - "$CSV" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["vmrss_kb"]]
rows = [r for r in rows if float(r["seconds"]) >= 5] or rows
n = max(1, len(rows) // 5)
mean = lambda rs: sum(int(r["vmrss_kb"]) for r in rs) / len(rs)
a, b = mean(rows[:n]), mean(rows[-n:])
print(f"{b - a:+.0f} kB ({a:.0f} -> {b:.0f} kB, {len(rows)} samples)")
EOF
)
dtb_result "peak VmHWM kB" "$HWM" "" "ring buffer RSS $RING kB"
dtb_result "peak VmHWM beside the ring, MiB" \
	"$(awk -v h="$HWM" -v r="$RING" 'BEGIN { printf "%.2f", (h - r) / 1024 }')" "<= 16" ""
dtb_result "VmRSS growth, first vs last fifth" "$GROWTH" "flat" "curve: memory.csv"
dtb_result "completeness % over the run" \
	"$(awk -v o="${A_status_ok:-0}" -v c="$COMPLETED" 'BEGIN { if (c > 0) printf "%.2f", 100 * o / c; else print "?" }')" \
	"100.00" "$COMPLETED completed, ${A_status_ok:-0} ok events, ${A_duplicates:-?} duplicates"
CPU=$(tail -1 "$CSV" | cut -d, -f5)
TX=$(dtb_stat "$DTB_DAEMON_STATS" transactions)
dtb_result "CPU s per 100k transactions at a steady rate" \
	"$(awk -v c="$CPU" -v t="$TX" 'BEGIN { if (t > 0) printf "%.3f", c * 100000 / t; else print "?" }')" \
	"<= 0.05" "utime+stime of dnstrail over the run, $TX transactions"
dtb_result "kernel_drops / output_drops / sub lost" \
	"$(dtb_stat "$DTB_DAEMON_STATS" kernel_drops) / $(dtb_stat "$DTB_DAEMON_STATS" output_drops) / $(dtb_stat "$DTB_SUB_STATS" lost)" \
	"0 / 0 / 0" "${DTB_MEM_SECONDS}s at $DTB_MEM_QPS q/s"
dtb_table "$DTB_TSV"
