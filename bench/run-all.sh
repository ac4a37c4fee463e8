#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every scenario one after the other (never in parallel: they would
# measure each other) and prints one table, also written to $DTB_OUT/summary.md.
set -uo pipefail
DTB_USAGE="Runs overhead, kernel_cost, bpf_cost, pipeline_pcap, zmq_cost, memory and burst in turn, then
prints one table. --quick: a tiny version for CI (2 s runs, 1 round, tshark-pcap only, 10 s
memory run, 100 000-packet capture, 3 s subscriber timeout, 2 kernel_cost rounds of 3 000
round trips): checks the harness, never the numbers.
--only 'a b': run just these scenarios."
QUICK=
ONLY="overhead kernel_cost bpf_cost pipeline_pcap zmq_cost memory burst"
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--only) ONLY=$2; shift ;;
	*) args+=("$1") ;;
	esac
	shift
done
if [ -n "$QUICK" ]; then
	export DTB_DURATION=${DTB_DURATION:-2} DTB_ROUNDS=${DTB_ROUNDS:-1}
	export DTB_PEERS=${DTB_PEERS-tshark-pcap} DTB_MEM_SECONDS=${DTB_MEM_SECONDS:-10}
	export DTB_PCAP_PACKETS=${DTB_PCAP_PACKETS:-100000} DTB_REPLAYS=${DTB_REPLAYS:-1}
	export DTB_MEM_QPS=${DTB_MEM_QPS:-5000} DTB_SUB_TIMEOUT=${DTB_SUB_TIMEOUT:-3}
	export DTB_ZMQ_COUNT=${DTB_ZMQ_COUNT:-200000} DTB_MICRO=${DTB_MICRO:-0}
	export DTB_RTT_ROUNDS=${DTB_RTT_ROUNDS:-2} DTB_RTT_COUNT=${DTB_RTT_COUNT:-3000}
fi
. "$(dirname "$0")/lib.sh"
dtb_parse_args "${args[@]}"
dtb_need_root
dtb_lock
export DTB_DURATION DTB_ROUNDS DTB_CLIENTS DTB_OUTSTANDING DTB_BUILD DTB_PORT DTB_ENDPOINT DTB_PEERS \
	DTB_NO_INSTALL DTB_KEEP
mkdir -p "$DTB_OUT"
export DTB_OUT=$(cd "$DTB_OUT" && pwd)

rc=0
files=()
for s in $ONLY; do
	[ -x "$DTB_BENCH/$s.sh" ] || { echo "no scenario $s" >&2; exit 2; }
	echo "=== $s" >&2
	"$DTB_BENCH/$s.sh" >"$DTB_OUT/$s.txt" || { echo "scenario $s failed (rc $?)" >&2; rc=1; }
	files+=("$DTB_OUT/$s.tsv")
done

{
	echo "## dnstrail benchmark, $(date -u +%FT%TZ)"
	echo
	echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))," \
		"$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM," \
		"Linux $(uname -r); dnstrail $("$DTB_BUILD/bin/dnstrail" --version 2>/dev/null | head -1 || echo '(not built)')," \
		"$(git -C "$DTB_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')." \
		"Load: $(cut -d' ' -f1-3 /proc/loadavg) at the end."
	echo "Parameters: duration ${DTB_DURATION}s, rounds $DTB_ROUNDS, dnsperf -c $DTB_CLIENTS -q $DTB_OUTSTANDING."
	echo
	"$DTB_PY" "$DTB_BENCH/table.py" "${files[@]}"
} >"$DTB_OUT/summary.md" || rc=1
cat "$DTB_OUT/summary.md"
exit $rc
