#!/bin/bash
# SPDX-License-Identifier: MIT
# BPF cost per packet: kernel.bpf_stats_enabled=1, then run_time_ns/run_cnt of
# every program the daemon holds, per load phase: non-DNS UDP (iperf3 -u),
# non-DNS TCP (iperf3), DNS (dnsperf). Per-packet figures divide the time of
# the packet programs (those that ran at least once per 10 packets) by the
# packets that crossed the bench veth in the phase; a packet crosses one
# egress and one ingress tracepoint, so this is the sum of both.
set -uo pipefail
DTB_USAGE="BPF time per packet, from kernel.bpf_stats_enabled=1 and bpftool prog show --json.
Phases of --duration seconds each: iperf3 UDP, iperf3 TCP, dnsperf (rate DTB_BPF_QPS,
default 0 = full speed). Other traffic of the host during a phase adds to the cost."
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_BPF_QPS:=0}"
dtb_init
dtb_have_dnstrail || { dtb_result "BPF ns/packet" "n/a" "" "no $DTB_BUILD/bin/dnstrail"; dtb_table "$DTB_TSV"; exit 0; }
dtb_setup

DTB_BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -q -w kernel.bpf_stats_enabled=1

dtb_daemon_start bpf
dtb_sub_start bpf
IDS=$(dtb_bpf_prog_ids "$DTB_DAEMON_PID" | tr '\n' ' ')
[ -n "$IDS" ] || dtb_die "no BPF programs held by dnstrail (pid $DTB_DAEMON_PID)"
dtb_log "dnstrail programs: $IDS"

# "id name run_time_ns run_cnt" per program
snap()
{
	local i out
	# bpftool can fail while another program unloads: retry
	for i in 1 2 3 4 5; do
		out=$(bpftool prog show --json 2>/dev/null | jq -r --arg ids " $IDS" '
			if type == "array" then .[] else error("bpftool") end | objects |
			select(.id as $i | $ids | contains(" \($i) ")) |
			"\(.id) \(.name // "?") \(.run_time_ns // 0) \(.run_cnt // 0)"' 2>/dev/null) &&
			[ -n "$out" ] && break
		sleep 0.1
	done
	printf '%s\n' "$out"
}

# packets sent on either end of the veth (each packet is sent once)
veth_packets()
{
	local c s
	c=$(ip netns exec "$DTB_NS_C" cat /sys/class/net/dtb-c/statistics/tx_packets)
	s=$(ip netns exec "$DTB_NS_S" cat /sys/class/net/dtb-s/statistics/tx_packets)
	echo $((c + s))
}

# phase NAME CMD...: runs the load, records per-program and per-packet cost
phase()
{
	local name=$1 before after p0 p1 pk
	shift
	before=$(snap)
	p0=$(veth_packets)
	"$@" >"$DTB_WORK/phase-$name.txt" 2>&1 || dtb_log "phase $name: load exited non-zero"
	p1=$(veth_packets)
	after=$(snap)
	pk=$((p1 - p0))
	# join the snapshots by id: delta time, delta runs
	local report
	report=$(join <(sort <<<"$before") <(sort <<<"$after") | awk -v pk="$pk" '
		# packet programs run about once per packet; the others (process
		# events) are listed but not charged to packets
		{ dt = $6 - $3; dn = $7 - $4
		  if (dn * 10 >= pk) { T += dt; N += dn }
		  printf "%s(%s): %d runs, %.0f ns/run; ", $2, $1, dn, dn ? dt / dn : 0 }
		END { printf "\t%d\t%d\t%d\n", T, N, pk }')
	local per_prog total runs
	per_prog=$(cut -f1 <<<"$report")
	total=$(cut -f2 <<<"$report")
	runs=$(cut -f3 <<<"$report")
	PH_NSPKT[$name]=$(awk -v t="$total" -v p="$pk" 'BEGIN { if (p > 0) printf "%.1f", t / p; else print "?" }')
	PH_NSRUN[$name]=$(awk -v t="$total" -v r="$runs" 'BEGIN { if (r > 0) printf "%.1f", t / r; else print "?" }')
	PH_NOTE[$name]="$pk veth packets, $runs runs; $per_prog"
	dtb_log "phase $name: ${PH_NSPKT[$name]} ns/packet, ${PH_NSRUN[$name]} ns/run; ${PH_NOTE[$name]}"
}

declare -A PH_NSPKT PH_NSRUN PH_NOTE
iperf_server() { ip netns exec "$DTB_NS_S" iperf3 -s -1 -p 5201 >/dev/null 2>&1 & DTB_PIDS+=($!); sleep 0.5; }
iperf_server
phase udp ip netns exec "$DTB_NS_C" iperf3 -c "$DTB_IP_S" -p 5201 -u -b 0 -l 1200 -t "$DTB_DURATION"
iperf_server
phase tcp ip netns exec "$DTB_NS_C" iperf3 -c "$DTB_IP_S" -p 5201 -t "$DTB_DURATION"
qarg=()
[ "$DTB_BPF_QPS" != 0 ] && qarg=(-Q "$DTB_BPF_QPS")
phase dns ip netns exec "$DTB_NS_C" dnsperf -s "$DTB_IP_S" -d "$DTB_WORK/queries.txt" \
	-c "$DTB_CLIENTS" -q "$DTB_OUTSTANDING" -l "$DTB_DURATION" "${qarg[@]}"
dtb_daemon_stop
dtb_sub_wait

dtb_result "BPF ns per non-DNS packet (UDP)" "${PH_NSPKT[udp]}" "<= 25" "${PH_NOTE[udp]}"
dtb_result "BPF ns per non-DNS packet (TCP)" "${PH_NSPKT[tcp]}" "<= 25" "${PH_NOTE[tcp]}"
dtb_result "BPF ns per DNS packet" "${PH_NSPKT[dns]}" "<= 150" "${PH_NOTE[dns]}"
dtb_result "BPF ns per program run (udp/tcp/dns)" \
	"${PH_NSRUN[udp]} / ${PH_NSRUN[tcp]} / ${PH_NSRUN[dns]}" "" "packet programs only; includes the timing overhead of bpf_stats itself"
dtb_result "kernel_drops during phases" "$(dtb_stat "$DTB_DAEMON_STATS" kernel_drops)" "0" ""
dtb_table "$DTB_TSV"
