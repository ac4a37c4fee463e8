#!/bin/bash
# Kernel-side cost of the BPF programs, from the kernel's own accounting
# (sysctl kernel.bpf_stats_enabled=1: run_time_ns / run_cnt per program):
#
#   1. DNS load: dnsperf (UDP) client namespace -> NSD over veth. The egress
#      program's average is the cost per recorded DNS packet; the ingress
#      program mostly takes the veth early exit (skb->sk set).
#   2. non-DNS load: iperf3 UDP with small datagrams on port 5201. Both
#      programs' averages are the cost per non-DNS packet.
#   3. dnsperf throughput with and without the programs loaded, alternated;
#   4. the same with the whole daemon running (JSON to /dev/null, zmq).
#
#   bpf_bench.sh [SECONDS]      (default 10 per phase)
# Env: DNSPERF_ARGS (default "-c 4 -q 200"), DUMP_ARGS (extra bpf_dump options),
# BENCH_QUICK=1 (phase 1 only).
# Prints one JSON line {"bpf_bench":{...}} on stdout. Needs root.
. "$(dirname "$0")/lib.sh"

SECS=${1:-10}
BPF_DUMP=${BPF_DUMP:-$DT_BUILD/bin/bpf_dump}
for tool in dnsperf iperf3 bpftool jq; do
	command -v $tool >/dev/null || die "$tool not installed"
done
dt_setup
dt_topo_veth
dt_start_nsd # (no response rate limiting: dnsperf would measure that)

QF=$DT_WORK/queries.txt
dt_dnsperf_queries "$QF"

OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
restore_stats() { sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"; }
trap 'rc=$?; restore_stats; dt_cleanup $rc' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

start_dump() {
	IDS=$DT_WORK/ids.txt
	rm -f "$IDS"
	"$BPF_DUMP" -q -C -i "$IDS" ${DUMP_ARGS:-} >/dev/null 2>"$DT_WORK/dump.err" &
	DUMP_PID=$!
	DT_PIDS+=($DUMP_PID)
	for _ in $(seq 100); do
		grep -q ready "$DT_WORK/dump.err" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$DT_WORK/dump.err" >&2
	die "bpf_dump did not start"
}
stop_dump() {
	kill -INT "$DUMP_PID" 2>/dev/null || true
	wait "$DUMP_PID" 2>/dev/null || true
}
prog_id() { awk -v n="$1" '$1 == n { print $2 }' "$IDS"; }
# snapshot NAME -> "run_time_ns run_cnt"
snapshot() {
	bpftool prog show id "$(prog_id "$1")" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}
# ns per run between two snapshots
per_run() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		n = y[2] - x[2]; r = 0; if (n > 0) r = (y[1] - x[1]) / n; printf "%.1f %d", r, n }'
}
dnsperf_qps() {
	ip netns exec "$DT_NS_C" dnsperf -s "$DT_S4" -d "$QF" -l "$1" ${DNSPERF_ARGS:--c 4 -q 200} 2>&1 |
		awk '/Queries per second/ { print $4 }'
}

start_dump
# 1. DNS load
e0=$(snapshot dt_net_dev_queue)
i0=$(snapshot dt_netif_receive_skb)
QPS_ON=$(dnsperf_qps "$SECS")
e1=$(snapshot dt_net_dev_queue)
i1=$(snapshot dt_netif_receive_skb)
read -r DNS_EGRESS_NS DNS_EGRESS_RUNS <<<"$(per_run "$e0" "$e1")"
read -r DNS_INGRESS_NS DNS_INGRESS_RUNS <<<"$(per_run "$i0" "$i1")"
log "DNS load: $QPS_ON q/s; egress $DNS_EGRESS_NS ns/run ($DNS_EGRESS_RUNS runs), ingress $DNS_INGRESS_NS ns/run ($DNS_INGRESS_RUNS runs)"
if [[ -n "${BENCH_QUICK:-}" ]]; then
	stop_dump
	exit 0
fi

# 2. non-DNS load
ip netns exec "$DT_NS_S" iperf3 -s -1 -B "$DT_S4" >/dev/null 2>&1 &
DT_PIDS+=($!)
sleep 0.5
e0=$(snapshot dt_net_dev_queue)
i0=$(snapshot dt_netif_receive_skb)
z0=$(snapshot dt_calibrate_empty)
ip netns exec "$DT_NS_C" iperf3 -c "$DT_S4" -u -b 0 -l 64 -t "$SECS" >"$DT_WORK/iperf.txt" 2>&1 || true
e1=$(snapshot dt_net_dev_queue)
i1=$(snapshot dt_netif_receive_skb)
z1=$(snapshot dt_calibrate_empty)
read -r EMPTY_NS _ <<<"$(per_run "$z0" "$z1")"
read -r OTHER_EGRESS_NS OTHER_EGRESS_RUNS <<<"$(per_run "$e0" "$e1")"
read -r OTHER_INGRESS_NS OTHER_INGRESS_RUNS <<<"$(per_run "$i0" "$i1")"
log "non-DNS load: egress $OTHER_EGRESS_NS ns/run ($OTHER_EGRESS_RUNS runs), ingress $OTHER_INGRESS_NS ns/run ($OTHER_INGRESS_RUNS runs); an empty program: $EMPTY_NS ns/run"
stop_dump
log "bpf_dump: $(tail -n 1 "$DT_WORK/dump.err")"

# 3. throughput, alternated runs (the baseline drifts on these VMs)
RATIOS=()
for r in 1 2 3; do
	off=$(dnsperf_qps 5)
	start_dump
	on=$(dnsperf_qps 5)
	stop_dump
	RATIOS+=("$(awk -v a="$on" -v b="$off" 'BEGIN { r = 0; if (b > 0) r = a / b; printf "%.3f", r }')")
	log "round $r: $off q/s without, $on q/s with the programs"
done

# 4. the same with the whole daemon (decode, match, JSON to /dev/null, zmq)
DRATIOS=()
for r in 1 2 3; do
	off=$(dnsperf_qps 5)
	"$DNSTRAIL" --stdout=json --publish "ipc://$DT_WORK/pub.sock" >/dev/null 2>"$DT_WORK/d.err" &
	DPID=$!
	DT_PIDS+=($DPID)
	for _ in $(seq 50); do grep -q "ready" "$DT_WORK/d.err" 2>/dev/null && break; sleep 0.1; done
	on=$(dnsperf_qps 5)
	kill -INT $DPID
	wait $DPID 2>/dev/null || true
	DRATIOS+=("$(awk -v a="$on" -v b="$off" 'BEGIN { r = 0; if (b > 0) r = a / b; printf "%.3f", r }')")
	log "daemon round $r: $off q/s without, $on q/s with dnstrail; $(tail -n 1 "$DT_WORK/d.err" | cut -c1-200)"
done

printf '{"bpf_bench":{"dns_egress_ns_per_run":%s,"dns_egress_runs":%s,"dns_ingress_ns_per_run":%s,"dnsperf_qps_with_capture":%s,"non_dns_egress_ns_per_run":%s,"non_dns_ingress_ns_per_run":%s,"non_dns_runs":%s,"empty_prog_ns_per_run":%s,"qps_ratio_with_vs_without":[%s],"qps_ratio_daemon":[%s]}}\n' \
	"$DNS_EGRESS_NS" "$DNS_EGRESS_RUNS" "$DNS_INGRESS_NS" "${QPS_ON:-0}" \
	"$OTHER_EGRESS_NS" "$OTHER_INGRESS_NS" "$OTHER_EGRESS_RUNS" "$EMPTY_NS" "$(IFS=,; echo "${RATIOS[*]}")" "$(IFS=,; echo "${DRATIOS[*]}")"
exit 0
