#!/bin/bash
# SPDX-License-Identifier: MIT
# What the kernel side costs the CPU that carries the DNS traffic, caches and
# TLB included: the time of a DNS round trip between two processes on one
# CPU, with nothing attached, with empty programs on the same tracepoints,
# with dnstrail's programs watching another port, and with them recording.
set -uo pipefail
DTB_USAGE="The kernel side's cost to the CPU that carries the DNS traffic. Two processes on
one CPU (DTB_LOAD_CPUS, default 0) exchange DNS messages over UDP on loopback, one round
trip at a time (bench/rtt_cost.c: a query for www.bench.test/A, answered with the same
bytes and QR set), DTB_RTT_COUNT round trips per run (default 30000), DTB_RTT_ROUNDS
rounds (default 40; -r wins). Each round runs, in this order:
  none     nothing attached
  empty    empty programs on dnstrail's two packet tracepoints (bench/bpf_floor.bpf.c):
           the tracepoints' dispatch alone
  filter   dnstrail's programs watching port 9, which these packets do not use: every
           packet takes the early exit of a non-DNS packet
  record   dnstrail's programs recording these packets (port DTB_RTT_PORT, default the
           ZeroMQ port + 2: 5601), read by bpf_dump -q on DTB_CPUS (default 1), which counts
A round trip is two DNS messages, each seen at lo's egress and ingress: four runs of
the programs. The table gives each set-up's time per round trip (median of the rounds)
and each stage's cost: the median over rounds of the difference from the set-up before
it in the same round. Unlike bpf_cost.sh (bpf_stats), this counts what a program costs
around its own run: the dispatch, and the cache lines and TLB entries it takes from
the load. Single runs on a VM spread by +-10 %: only the medians of many rounds mean
anything (40 rounds take ~5 minutes).
  bench/kernel_cost.sh
  DTB_LOAD_CPUS=1 DTB_CPUS=0 bench/kernel_cost.sh -r 80"
. "$(dirname "$0")/lib.sh"
. "$DTB_BENCH/peers.sh"
DTB_ROUNDS=${DTB_RTT_ROUNDS:-40} # not overhead's rounds: this needs many more
dtb_parse_args "$@"
: "${DTB_RTT_COUNT:=30000}"
: "${DTB_RTT_PORT:=$((DTB_PORT + 2))}" # beside the ZeroMQ ports: a smoke test moves them all
: "${DTB_LOAD_CPUS:=0}"
: "${DTB_CPUS:=$([ "$(nproc)" -gt 1 ] && echo 1 || echo 0)}"
dtb_init

[ -x "$DTB_BUILD/bin/bpf_dump" ] ||
	dtb_die "needs $DTB_BUILD/bin/bpf_dump (a build with the tests)"
dtb_build_tool rtt_cost "" ||
	dtb_die "cannot build rtt_cost: $(head -3 "$DTB_WORK/rtt_cost-build.err")"
dtb_build_floor ||
	dtb_die "cannot build the empty programs (clang, libbpf-dev): $(head -3 "$DTB_WORK/bpf_floor-build.err")"

SETUPS="none empty filter record"
# each set-up but none is overhead.sh's peer of that name (bench/peers.sh)
declare -A PEER_OF=([empty]=bpf-empty [filter]=dnstrail-bpf-filter [record]=dnstrail-bpf)
DTB_PEER_PORT=$DTB_RTT_PORT # what dnstrail-bpf records
declare -A NS # set-up -> ns per round trip, one value per round
declare -A RECORDS

dtb_log "$DTB_ROUNDS rounds of $DTB_RTT_COUNT round trips per set-up, load on CPU $DTB_LOAD_CPUS"
for r in $(seq 1 "$DTB_ROUNDS"); do
	line=""
	for s in $SETUPS; do
		[ "$s" = none ] || dtb_peer_start "${PEER_OF[$s]}"
		out=$(taskset -c "$DTB_LOAD_CPUS" "$DTB_WORK/rtt_cost" "$DTB_RTT_COUNT" "$DTB_RTT_PORT") ||
			dtb_die "rtt_cost failed ($s): $out"
		if [ "$s" != none ]; then
			dtb_peer_stop "${PEER_OF[$s]}"
			[ "$s" = record ] && RECORDS[$r]=$PEER_CAPTURED
		fi
		v=$(sed 's/.*ns_per_round_trip=\([0-9.]*\).*/\1/' <<<"$out")
		NS[$s]="${NS[$s]:-} $v"
		line="$line $s $v"
	done
	dtb_log "round $r:$line ns per round trip; records ${RECORDS[$r]:-?}"
done

# stage_cost A B: per round, B's time less A's; prints "median (min..max)"
stage_cost()
{
	local a b d="" i
	read -r -a a <<<"${NS[$1]}"
	read -r -a b <<<"${NS[$2]}"
	for i in "${!a[@]}"; do
		d="$d $(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { printf "%.1f", y - x }')"
	done
	echo "$(dtb_median <<<"$d") ($(dtb_minmax <<<"$d"))"
}

for s in $SETUPS; do
	dtb_result "ns per round trip, $s" "$(dtb_median <<<"${NS[$s]}") ($(dtb_minmax <<<"${NS[$s]}"))" "" \
		"per round:${NS[$s]}"
done
base=$(dtb_median <<<"${NS[none]}")
# share C: C ns as a share of a round trip alone ("?" without one)
share()
{
	awk -v c="$1" -v b="$base" 'BEGIN { if (b > 0) printf "%.1f %%", 100 * c / b; else print "?" }'
}
prev=none
for s in empty filter record; do
	cost=$(stage_cost "$prev" "$s")
	case "$s" in
	empty) what="dispatch: empty programs against nothing" ;;
	filter) what="non-DNS exit: dnstrail's programs on another port against empty programs" ;;
	record) what="DNS work: recording against the non-DNS exit (bpf_dump's reading on CPU $DTB_CPUS)" ;;
	esac
	dtb_result "ns per round trip added, $s" "$cost" "" \
		"$what; per DNS message (2 per round trip, each at 2 tracepoints): $(awk -v c="${cost%% *}" 'BEGIN { printf "%.0f", c / 2 }') ns; share of a round trip alone: $(share "${cost%% *}")"
	prev=$s
done
total=$(stage_cost none record)
dtb_result "ns per round trip added, all" "$total" "" \
	"recording against nothing: $(share "${total%% *}") of a round trip alone, i.e. a DNS load that saturates its CPU keeps ~$(awk -v c="${total%% *}" -v b="$base" 'BEGIN { if (b > 0) printf "%.3f", b / (b + c); else print "?" }') of its rate"
recs=$(printf '%s ' "${RECORDS[@]}")
dtb_result "records written per run, record" "$recs" "$((2 * DTB_RTT_COUNT + 2000))" \
	"bpf_dump's count: one per DNS message, warm-up included; fewer means the set-up did not record"
dtb_table "$DTB_TSV"
