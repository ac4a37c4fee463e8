#!/bin/bash
# SPDX-License-Identifier: MIT
# Where a packet's kernel-side time goes, by function and by machine
# instruction: perf samples both CPUs during one load while dnstrail (and a
# dnstrail-sub) run, the programs' JIT-ed code is dumped (bench/jit_dump.c),
# and bench/bpf_annotate.py puts the samples on it. bpf_cost.sh says how much;
# this says where.
set -uo pipefail
DTB_USAGE="Instruction profile of the BPF programs: one load of --duration seconds
(DTB_PROF_LOAD: dns (default), udp or tcp, as in bpf_cost.sh: DTB_BPF_QPS and
DTB_BPF_TCP_LEN apply), perf record -a -e cpu-clock at DTB_PROF_FREQ samples/s per CPU (default 20000).
Table: samples and ns per veth packet of each program and of the kernel helpers
they call (ring buffer, dynptr, clock, tracepoint dispatch). Files in --out:
bpf-profile-NAME-N.top (the 15 hottest instructions of function N of program NAME,
in context), bpf-profile-NAME-N.annotated (all of it). Needs perf (linux-perf) and
objdump (binutils); a sample lands on the instruction after the one that stalled.
DTB_PROF_STATS=1: kernel.bpf_stats_enabled=1 during the load, to see what the
kernel's BPF run-time statistics (bpf_cost.sh, the ebpf input's bpf_stats) cost:
their clock reads show as sched_clock / pvclock rows.

Example: bench/bpf_profile.sh -d 5; DTB_PROF_LOAD=tcp bench/bpf_profile.sh -d 5"
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_PROF_LOAD:=dns}"
: "${DTB_PROF_FREQ:=20000}"
: "${DTB_PROF_STATS:=0}"
case "$DTB_PROF_LOAD" in dns|udp|tcp) ;; *) dtb_die "DTB_PROF_LOAD must be dns, udp or tcp" ;; esac
dtb_init
dtb_have_dnstrail || { dtb_result "BPF profile" "n/a" "" "no $DTB_BUILD/bin/dnstrail"; dtb_table "$DTB_TSV"; exit 0; }
if ! command -v perf >/dev/null || ! command -v objdump >/dev/null; then
	[ -n "$DTB_NO_INSTALL" ] && dtb_die "perf and objdump needed (linux-perf, binutils)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 \
		linux-perf binutils >&2 || dtb_die "apt-get install linux-perf binutils failed"
fi
JD="$DTB_WORK/jit_dump"
dtb_build_tool jit_dump libbpf ||
	dtb_die "building bench/jit_dump.c failed (libbpf-dev): $(head -3 "$DTB_WORK/jit_dump-build.err")"
dtb_setup

dtb_daemon_start prof
dtb_sub_start prof
# the packet programs' code, as the JIT left it
PROGS=()
for id in $(dtb_bpf_prog_ids "$DTB_DAEMON_PID"); do
	name=$(bpftool prog show id "$id" --json 2>/dev/null | jq -r '.name // empty')
	case "$name" in dt_net_*|dt_netif_*) ;; *) continue ;; esac
	if "$JD" "$id" "$DTB_WORK/jit-$name" >"$DTB_WORK/jit-$name.txt" 2>>"$DTB_WORK/jit_dump.err"; then
		PROGS+=("$name=$DTB_WORK/jit-$name")
	else
		dtb_log "no JIT image of $name ($id): $(tail -1 "$DTB_WORK/jit_dump.err")"
	fi
done
[ ${#PROGS[@]} -gt 0 ] || dtb_die "no packet program of dnstrail could be dumped"

if [ "$DTB_PROF_STATS" = 1 ]; then
	DTB_BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled) # dtb_cleanup puts it back
	sysctl -q -w kernel.bpf_stats_enabled=1
fi
p0=$(dtb_veth_packets)
perf record -q -a -e cpu-clock -F "$DTB_PROF_FREQ" -o "$DTB_WORK/perf.data" \
	-- sleep "$DTB_DURATION" >/dev/null 2>"$DTB_WORK/perf.err" &
PERF=$!
DTB_PIDS+=($PERF)
dtb_load "$DTB_PROF_LOAD" >"$DTB_WORK/load.txt" 2>&1 ||
	dtb_log "the load exited non-zero: $(tail -2 "$DTB_WORK/load.txt")"
wait "$PERF" || dtb_die "perf record failed: $(head -3 "$DTB_WORK/perf.err")"
PACKETS=$(($(dtb_veth_packets) - p0))
dtb_daemon_stop
dtb_sub_wait

perf script -i "$DTB_WORK/perf.data" -F ip,sym >"$DTB_WORK/samples.txt" 2>/dev/null ||
	dtb_die "perf script failed"
ANN="$DTB_WORK/annotate"
mkdir -p "$ANN"
"$DTB_PY" "$DTB_BENCH/bpf_annotate.py" "$DTB_WORK/samples.txt" "$DTB_PROF_FREQ" "$PACKETS" \
	"$ANN" "${PROGS[@]}" >"$DTB_WORK/symbols.tsv" || dtb_die "bpf_annotate.py failed"
for f in "$ANN"/*; do
	[ -e "$f" ] && cp "$f" "$DTB_OUT/bpf-profile-$(basename "$f")"
done

dtb_result "load" "$DTB_PROF_LOAD, $PACKETS veth packets in ${DTB_DURATION}s$([ "$DTB_PROF_STATS" = 1 ] && echo ', BPF run-time statistics on')" "" \
	"perf -F $DTB_PROF_FREQ per CPU: a sample is $((1000000 / DTB_PROF_FREQ)) us of one CPU"
total=0
while IFS=$'\t' read -r sym n ns; do
	total=$(awk -v a="$total" -v b="$ns" 'BEGIN { printf "%.1f", a + b }')
	dtb_result "ns per packet in $sym" "$ns" "" "$n samples"
done < <(head -12 "$DTB_WORK/symbols.tsv")
dtb_result "ns per packet, the rows above together" "$total" "" \
	"perf's estimate; bpf_cost.sh measures it with bpf_stats"
tops=$(cd "$DTB_OUT" && ls bpf-profile-*.top 2>/dev/null | tr '\n' ' ')
dtb_result "hottest instructions" "${tops:-none}" "" "in $DTB_OUT"
dtb_table "$DTB_TSV"
