#!/bin/bash
# Live: the per-CPU ring buffers hand records over in causal order.
#
# The client (dnsperf) is pinned to CPU 0 and NSD to CPU 1, so queries are
# recorded in one CPU's ring and responses in the other's. If the reader ever
# handed a response to the engine before its query, that transaction would
# come out twice, as an orphan response and later as a timeout. So, over a
# few seconds at full speed:
#   - no orphan response, and no timeout beyond the queries dnsperf lost;
#   - every query dnsperf completed is one answered transaction;
#   - no kernel drop (a dropped query record would also make an orphan).
# The same again with `kernel_batch: 1` (each packet alone in its CPU's
# ring) and with `ring_per_cpu: false` (one shared ring), so every layout
# stays correct. Then, where CPU 1 can be taken offline: started with
# CPU 1 offline, dnstrail makes one ring; CPU 1 comes back and carries the
# load (through the first CPU's ring): no drop, nothing out of order.
# Port 5300, so the host's own DNS traffic does not count. Needs two CPUs
# (skipped with one, fails under CI=true).
. "$(dirname "$0")/lib.sh"

SECS=${ORDER_SECONDS:-4}
PORT=5300
command -v dnsperf >/dev/null || die "dnsperf not installed"
if (($(nproc) < 2)); then
	[[ "${CI:-}" == true ]] && die "needs two CPUs"
	log "skip: needs two CPUs"
	exit "$DT_SKIP"
fi

dt_setup
dt_topo_veth
DT_NSD_PORT=$PORT dt_start_nsd
for p in $(pgrep -f "$DT_WORK/nsd/nsd.conf"); do
	taskset -a -p -c 1 "$p" >/dev/null
done

QF=$DT_WORK/queries.txt
dt_dnsperf_queries "$QF"

# run_load PER_CPU [TAG [CLIENT_CPU]]: dnstrail with that ring layout around
# SECS of dnsperf (pinned to CLIENT_CPU, default 0); RINGS = its ring buffers
run_load() {
	local per_cpu=$1 tag=${2:-ring_per_cpu_$1} cpu=${3:-0} conf stats i f
	conf=$DT_WORK/$tag.yaml
	printf 'pipeline:\n  inputs:\n    - name: ebpf\n      ports: [%s]\n      ring_per_cpu: %s\n' \
		"$PORT" "$per_cpu" >"$conf"
	[[ -n "${KERNEL_BATCH:-}" ]] && printf '      kernel_batch: %s\n' "$KERNEL_BATCH" >>"$conf"
	DT_ERR=$DT_WORK/$tag.err
	DT_OUT=$DT_WORK/$tag.out
	env --default-signal=INT,TERM "$DNSTRAIL" -c "$conf" --publish "ipc://$DT_WORK/$tag.sock" \
		>"$DT_OUT" 2>"$DT_ERR" &
	DT_PID=$!
	for i in $(seq 100); do
		grep -q "ready:" "$DT_ERR" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "ready:" "$DT_ERR" || die "dnstrail ($tag) did not start: $(tail -3 "$DT_ERR")"
	RINGS=$(grep -l "^map_type:[[:space:]]*27$" /proc/"$DT_PID"/fdinfo/* 2>/dev/null | wc -l)
	# map_flags of the maps the programs only read (BPF_F_RDONLY_PROG, 0x80: .rodata)
	RO_FLAGS=
	for f in /proc/"$DT_PID"/fdinfo/*; do
		i=$(awk '$1 == "map_flags:" { print $2 }' "$f" 2>/dev/null)
		[[ -n "$i" ]] && ((i & 0x80)) && RO_FLAGS+="$i "
	done
	[[ -n "${ON_START:-}" ]] && "$ON_START"

	ip netns exec "$DT_NS_C" taskset -c "$cpu" dnsperf -s "$DT_S4" -p "$PORT" -d "$QF" \
		-l "$SECS" -c 4 -q 200 >"$DT_WORK/$tag.dnsperf" 2>&1 ||
		die "dnsperf failed: $(tail -3 "$DT_WORK/$tag.dnsperf")"
	COMPLETED=$(awk '/Queries completed:/ { print $3 }' "$DT_WORK/$tag.dnsperf")
	LOST=$(awk '/Queries lost:/ { print $3 }' "$DT_WORK/$tag.dnsperf")
	dt_stop INT
	expect_eq "$tag: dnstrail exit status" "$DT_STATUS" 0
	stats=$(tail -n 1 "$DT_ERR")
	jq -e .dnstrail_stats <<<"$stats" >/dev/null 2>&1 || {
		flunk "$tag: no stats line: ${stats:0:200}"
		return 0
	}
	log "$tag: dnsperf completed $COMPLETED, lost $LOST; $(jq -c '.dnstrail_stats |
		{transactions, timeouts, orphan_responses, kernel_drops, malformed}' <<<"$stats")"
	((COMPLETED > 10000)) || flunk "$tag: dnsperf completed only $COMPLETED queries"
	expect_val "$tag: kernel drops" "$stats" .dnstrail_stats.kernel_drops 0
	expect_val "$tag: orphan responses" "$stats" .dnstrail_stats.orphan_responses 0
	expect_val "$tag: timeouts (the queries dnsperf lost)" "$stats" .dnstrail_stats.timeouts "$LOST"
	expect_val "$tag: answered transactions" "$stats" \
		'.dnstrail_stats.transactions - .dnstrail_stats.timeouts' "$COMPLETED"
}

run_load true
expect_eq "ring_per_cpu_true: one ring buffer per CPU, one for process events" "$RINGS" \
	$(($(nproc) + 1))
# the settings that every packet reads (the port list) are in kmalloc'd memory,
# not in vmalloc'd pages: no BPF_F_MMAPABLE (0x400) on .rodata (ebpf_loader.c)
expect_eq "the programs' settings: one read-only map, flags 0x80 (not mmapable)" \
	"${RO_FLAGS% }" 0x80
expect_eq "ring_per_cpu_true: the start-up log says so" \
	"$(grep -cE "attached \(tag dns; $(nproc) ring buffers of [0-9]+ [KM]iB, one per online CPU, packets in batches of up to 16; one of 256 KiB for process events\)" "$DT_ERR")" 1
# every packet record alone in the ring, as before batches
KERNEL_BATCH=1 run_load true kernel_batch_1
expect_eq "kernel_batch_1: one ring buffer per CPU" "$RINGS" "$(nproc)"
expect_eq "kernel_batch_1: the start-up log says so" \
	"$(grep -cE "attached \(tag dns; $(nproc) ring buffers of [0-9]+ [KM]iB, one per online CPU\)" "$DT_ERR")" 1
run_load false
expect_eq "ring_per_cpu_false: one ring buffer" "$RINGS" 1
expect_eq "ring_per_cpu_false: the start-up log says so" \
	"$(grep -c "attached (tag dns; one shared ring buffer of 8 MiB)" "$DT_ERR")" 1

# --- a CPU offline when dnstrail starts, online when the load comes --------
HOTPLUG=/sys/devices/system/cpu/cpu1/online
cpu1_online() { echo 1 >"$HOTPLUG" 2>/dev/null || true; }
if [[ -w "$HOTPLUG" ]] && echo 0 >"$HOTPLUG" 2>/dev/null; then
	trap 'rc=$?; cpu1_online; dt_cleanup $rc' EXIT
	ON_START=cpu1_online run_load true cpu1_hotplugged 1
	# (and no batches: the two CPUs share the first CPU's ring)
	expect_eq "cpu1_hotplugged: one ring buffer for CPUs (CPU 1 offline at start), one for process events" "$RINGS" 2
	expect_eq "CPU 1 online again" "$(cat "$HOTPLUG")" 1
else
	log "CPU 1 cannot be taken offline here: the hot-plug part is left out"
fi
dt_finish
