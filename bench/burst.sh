#!/bin/bash
# SPDX-License-Identifier: MIT
# Bursts: a steady dnsperf rate, and in the middle of the run a second dnsperf
# adds 9x that rate for one second (10x in total). Absorbed = every completed
# query arrives as a transaction and every drop counter stays 0.
set -uo pipefail
DTB_USAGE="Burst: --duration seconds at DTB_BURST_QPS queries/s (default 5000); after half of
it a second dnsperf adds 9 x DTB_BURST_QPS for DTB_BURST_SECONDS (default 1)."
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_BURST_QPS:=5000}"
: "${DTB_BURST_SECONDS:=1}"
dtb_init
dtb_have_dnstrail || { dtb_result "burst" "n/a" "" "no $DTB_BUILD/bin/dnstrail"; dtb_table "$DTB_TSV"; exit 0; }
[ "$DTB_DURATION" -ge 2 ] || DTB_DURATION=2
dtb_setup

dtb_daemon_start burst
dtb_sub_start burst
(
	dtb_dnsperf "$DTB_WORK/dnsperf-steady.txt" -Q "$DTB_BURST_QPS"
	echo "$DNSPERF_COMPLETED $DNSPERF_QPS" >"$DTB_WORK/steady"
) &
STEADY=$!
DTB_PIDS+=($STEADY)
sleep $((DTB_DURATION / 2))
(
	DTB_DURATION=$DTB_BURST_SECONDS DTB_CLIENTS=$((DTB_CLIENTS * 2)) DTB_OUTSTANDING=$((DTB_OUTSTANDING * 5))
	dtb_dnsperf "$DTB_WORK/dnsperf-burst.txt" -Q $((9 * DTB_BURST_QPS))
	echo "$DNSPERF_COMPLETED $DNSPERF_QPS" >"$DTB_WORK/burst"
)
wait "$STEADY"
dtb_daemon_stop
dtb_sub_wait
read -r C1 Q1 <"$DTB_WORK/steady"
read -r C2 Q2 <"$DTB_WORK/burst"
COMPLETED=$((C1 + C2))
eval "$(dtb_analyze "$DTB_SUB_OUT" | sed 's/^/A_/')"
dtb_result "burst achieved" "$(awk -v a="$Q1" -v b="$Q2" 'BEGIN { printf "%.0f + %.0f q/s", a, b }')" \
	"$((10 * DTB_BURST_QPS)) q/s" "steady + burst dnsperf, burst for ${DTB_BURST_SECONDS}s"
dtb_result "completeness % (ok events / completed)" \
	"$(awk -v o="${A_status_ok:-0}" -v c="$COMPLETED" 'BEGIN { if (c > 0) printf "%.2f", 100 * o / c; else print "?" }')" \
	"100.00" "$COMPLETED completed, ${A_status_ok:-0} ok events"
dtb_result "duplicates / timeouts" "${A_duplicates:-?} / ${A_status_timeout:-?}" "0 / 0" ""
dtb_result "kernel_drops / output_drops / sub lost" \
	"$(dtb_stat "$DTB_DAEMON_STATS" kernel_drops) / $(dtb_stat "$DTB_DAEMON_STATS" output_drops) / $(dtb_stat "$DTB_SUB_STATS" lost)" \
	"0 / 0 / 0" ""
dtb_table "$DTB_TSV"
