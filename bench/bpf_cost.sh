#!/bin/bash
# SPDX-License-Identifier: MIT
# BPF cost per packet: kernel.bpf_stats_enabled=1, then run_time_ns/run_cnt of
# every program the daemon holds, per load phase: non-DNS UDP (iperf3 -u),
# non-DNS TCP (iperf3), DNS (dnsperf), DNS with ~324-byte answers. A packet
# meets each packet program (those that ran at least once per 10 veth
# packets: egress and ingress) once,
# so the cost per packet is the sum of their ns/run; the note also gives all
# their time over the packets that crossed the bench veth.
set -uo pipefail
DTB_USAGE="BPF time per packet, from kernel.bpf_stats_enabled=1 and bpftool prog show --json.
Phases of --duration seconds each: iperf3 UDP, iperf3 TCP, dnsperf (rate DTB_BPF_QPS,
default 0 = full speed), dnsperf asking names with 16 A records (answers of ~324 bytes,
which the kernel side copies with one bpf_probe_read_kernel; DTB_BPF_BIG=0 skips it).
Other traffic of the host during a phase adds to the cost.
DTB_BPF_TCP_LEN: iperf3's write size (-l) in the TCP phase (default iperf3's own, 128 KiB).
A fourth phase sends non-DNS UDP packets whose headers sit in a page fragment (a tap
device opened with IFF_NAPI_FRAGS, GRO off: what some NIC drivers deliver), to an address
that is not local (dropped without a reply); DTB_BPF_FRAGS=0 skips it."
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_BPF_QPS:=0}"
: "${DTB_BPF_TCP_LEN:=}" # iperf3 -l for the TCP phase ('' = iperf3's default, 128 KiB writes)
: "${DTB_BPF_FRAGS:=1}"   # the phase of packets with their headers in a page fragment
: "${DTB_BPF_BIG:=1}"     # the phase of DNS answers past the 128-byte word copy
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

# The floor: empty programs on the same tracepoints (bench/bpf_floor*.c),
# held by a loader that lives as long as its stdin (a fifo) stays open.
FLOOR_IDS=""
if dtb_build_floor; then
	mkfifo "$DTB_WORK/floor.fifo"
	"$DTB_WORK/bpf_floor" "$DTB_WORK/bpf_floor.bpf.o" <"$DTB_WORK/floor.fifo" \
		>"$DTB_WORK/floor.ids" 2>"$DTB_WORK/floor.err" &
	DTB_PIDS+=($!)
	exec 9>"$DTB_WORK/floor.fifo"
	sleep 0.5
	FLOOR_IDS=$(tr '\n' ' ' <"$DTB_WORK/floor.ids")
	dtb_log "floor programs: $FLOOR_IDS"
else
	dtb_log "no floor (clang, libbpf-dev needed): $(head -3 "$DTB_WORK/bpf_floor-build.err" 2>/dev/null)"
fi

# "id name run_time_ns run_cnt" per program of the ids in $1
snap()
{
	local i out
	# bpftool can fail while another program unloads: retry
	for i in 1 2 3 4 5; do
		out=$(bpftool prog show --json 2>/dev/null | jq -r --arg ids " $1" '
			if type == "array" then .[] else error("bpftool") end | objects |
			select(.id as $i | $ids | contains(" \($i) ")) |
			"\(.id) \(.name // "?") \(.run_time_ns // 0) \(.run_cnt // 0)"' 2>/dev/null) &&
			[ -n "$out" ] && break
		sleep 0.1
	done
	printf '%s\n' "$out"
}

# cost BEFORE AFTER PACKETS: joins two snapshots by id. Packet programs (at
# least one run per 10 veth packets) are met once each by a packet: the cost
# per packet is the sum of their ns/run; the others (process events) are only
# listed. Prints: note TAB total_ns TAB runs TAB ns_per_packet
cost()
{
	join <(sort <<<"$1") <(sort <<<"$2") | awk -v pk="$3" '
		{ dt = $6 - $3; dn = $7 - $4
		  if (dn * 10 >= pk) {
			T += dt; N += dn; S += dn ? dt / dn : 0
			printf "%s %.0f ns/run; ", $2, dn ? dt / dn : 0
		  } else {
			OT += dt; ON += dn
		  } }
		END { if (ON) printf "other programs: %d runs, %.0f ns each", ON, OT / ON
		      printf "\t%d\t%d\t%.1f\n", T, N, S }'
}

# phase NAME CMD...: runs the load, records per-program and per-packet cost
phase()
{
	local name=$1 before after fb fa p0 p1 pk report floor
	shift
	before=$(snap "$IDS")
	fb=$(snap "$FLOOR_IDS")
	p0=$($PH_COUNTER)
	"$@" >"$DTB_WORK/phase-$name.txt" 2>&1 || dtb_log "phase $name: load exited non-zero"
	p1=$($PH_COUNTER)
	after=$(snap "$IDS")
	fa=$(snap "$FLOOR_IDS")
	pk=$((p1 - p0))
	report=$(cost "$before" "$after" "$pk")
	PH_NSPKT[$name]=$(cut -f4 <<<"$report")
	PH_NSRUN[$name]=$(awk -v t="$(cut -f2 <<<"$report")" -v r="$(cut -f3 <<<"$report")" \
		'BEGIN { if (r > 0) printf "%.1f", t / r; else print "?" }')
	PH_FLOOR[$name]="?"
	if [ -n "$FLOOR_IDS" ]; then
		floor=$(cost "$fb" "$fa" "$pk")
		PH_FLOOR[$name]=$(cut -f4 <<<"$floor")
	fi
	# all the packet programs' time over the veth packets also charges the
	# host's other traffic: given for reference
	PH_NOTE[$name]="$(cut -f1 <<<"$report"); empty programs: ${PH_FLOOR[$name]} ns/packet;"
	PH_NOTE[$name]+=" $pk $PH_WHAT packets, $(cut -f3 <<<"$report") runs"
	# dnsperf's "Average packet size: request 35, response 51"
	local sizes
	sizes=$(sed -n 's/.*Average packet size: *//p' "$DTB_WORK/phase-$name.txt")
	[ -n "$sizes" ] && PH_NOTE[$name]+="; DNS bytes: $sizes"
	dtb_log "phase $name: ${PH_NSPKT[$name]} ns/packet, ${PH_NSRUN[$name]} ns/run; ${PH_NOTE[$name]}"
}

declare -A PH_NSPKT PH_NSRUN PH_NOTE PH_FLOOR
PH_COUNTER=dtb_veth_packets PH_WHAT=veth
KINDS="udp tcp dns"
[ "$DTB_BPF_BIG" = 1 ] && KINDS+=" dnsbig"
for kind in $KINDS; do
	phase "$kind" dtb_load "$kind"
done

# Headers in a page fragment: tests/live/tap_frags.py holds the tap and
# floods it for DTB_DURATION seconds with one UDP packet to port 5300.
TAP=dtb-frag
tap_packets() { ip netns exec "$DTB_NS_S" cat "/sys/class/net/$TAP/statistics/rx_packets"; }
frags_load()
{
	local reply=""
	echo "4 02:00:00:00:00:02 172.31.254.2 172.31.254.9 40000 5300 1 www.example.com 1" >&"${TAPF[1]}"
	read -r -t $((DTB_DURATION + 30)) reply <&"${TAPF[0]}" || true
	echo "$reply"
	[[ "$reply" == sent* ]]
}
if [ "$DTB_BPF_FRAGS" = 1 ]; then
	coproc TAPF { ip netns exec "$DTB_NS_S" python3 "$DTB_ROOT/tests/live/tap_frags.py" \
		--flood "$DTB_DURATION" "$TAP" 2>&1; }
	DTB_PIDS+=("$TAPF_PID")
	read -r -t 10 line <&"${TAPF[0]}" || line=""
	if [ "$line" = ready ] && ip -n "$DTB_NS_S" link set "$TAP" up &&
		ip -n "$DTB_NS_S" addr add 172.31.254.1/24 dev "$TAP" &&
		ip netns exec "$DTB_NS_S" ethtool -K "$TAP" gro off; then
		PH_COUNTER=tap_packets PH_WHAT=tap
		phase frags frags_load
	else
		dtb_log "no tap with page fragments: '$line'"
	fi
fi
dtb_daemon_stop
dtb_sub_wait

# value, and above the floor when there is one
net() { awk -v v="${PH_NSPKT[$1]}" -v f="${PH_FLOOR[$1]}" \
	'BEGIN { if (f != "?" && v != "") printf "%s (%.1f above empty)", v, v - f; else print v }'; }
dtb_result "BPF ns per non-DNS packet (UDP)" "$(net udp)" "<= 25" "${PH_NOTE[udp]}"
dtb_result "BPF ns per non-DNS packet (TCP)" "$(net tcp)" "<= 25" "${PH_NOTE[tcp]}"
dtb_result "BPF ns per DNS packet" "$(net dns)" "<= 150" "${PH_NOTE[dns]}"
[ -n "${PH_NSPKT[dnsbig]:-}" ] &&
	dtb_result "BPF ns per DNS packet, ~324-byte answers" "$(net dnsbig)" "" \
		"${PH_NOTE[dnsbig]}; queries-big.txt: 16 A records a name"
[ -n "${PH_NSPKT[frags]:-}" ] &&
	dtb_result "BPF ns per non-DNS packet, headers in a page fragment" "$(net frags)" "" \
		"${PH_NOTE[frags]}; tap with IFF_NAPI_FRAGS, GRO off: the headers are copied out (dt_parse_copy)"
dtb_result "BPF ns per program run (udp/tcp/dns)" \
	"${PH_NSRUN[udp]} / ${PH_NSRUN[tcp]} / ${PH_NSRUN[dns]}" "" "packet programs only; includes the timing overhead of bpf_stats itself"
dtb_result "floor: empty programs, ns per packet (udp/tcp/dns)" \
	"${PH_FLOOR[udp]} / ${PH_FLOOR[tcp]} / ${PH_FLOOR[dns]}" "" \
	"dispatch + bpf_stats clock reads on the same tracepoints (bench/bpf_floor.bpf.c)"
dtb_result "kernel_drops during phases" "$(dtb_stat "$DTB_DAEMON_STATS" kernel_drops)" "0" ""
dtb_table "$DTB_TSV"
