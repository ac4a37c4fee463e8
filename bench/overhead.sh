#!/bin/bash
# SPDX-License-Identifier: MIT
# Overhead at saturation: dnsperf's queries/s alone vs with dnstrail (publishing
# to dnstrail-sub writing ECS JSON to a file), and vs the peers, in alternated
# rounds. Also completeness, duplicates, drops, CPU per 100 k transactions, RSS.
set -uo pipefail
DTB_USAGE="Overhead at saturation. Each round runs: alone, dnstrail, alone, then each peer
(DTB_PEERS) followed by another alone run. A ratio (dnstrail's or a peer's) is its
queries/s over the mean of the two alone runs around it; the table gives the median
over rounds and the spread.
Peers: tshark-pcap, tshark-decode, dnscap, dnstrail-batch (dnstrail with the zmq output's
opt-in batch: DTB_PEER_BATCH, 64), dnstrail-shared-ring (ring_per_cpu: false),
dnstrail-ipc (a Unix socket, DTB_PEER_IPC, instead of TCP loopback), dnstrail-lean
(both the Unix socket and batch) and dnstrail-nowire (include_wire: false); these run
dnstrail-sub too and give their CPU and drops in the note. dnstrail's cost taken apart:
dnstrail-bpf (the BPF programs and rings only, read by bpf_dump -q, which just counts)
and dnstrail-nosub (the daemon publishing to no subscriber), e.g.
  DTB_PEERS=\"dnstrail-bpf dnstrail-nosub\" bench/overhead.sh -r 5
The kernel side taken apart: bpf-empty (empty programs on the same tracepoints: the
dispatch alone) and dnstrail-bpf-filter (dnstrail's programs watching port 9, which no
bench packet uses: every packet takes the non-DNS exit); with dnstrail-bpf beside them
the table splits the kernel side's cost to the load into dispatch, filter and DNS work:
  DTB_LOAD_CPUS=0 DTB_CPUS=1 DTB_PEERS=\"bpf-empty dnstrail-bpf-filter dnstrail-bpf\" \\
    bench/overhead.sh -r 8
DTB_PROFILE=1: perf record -a -g during the first dnstrail run; the top symbols go to
\$DTB_OUT/overhead-perf*.txt (BPF programs appear as bpf_prog_* symbols), each program's
share of the machine (by thread name; ZMQbg/* are ZeroMQ I/O threads) to overhead-perf-comm.txt;
with DTB_LOAD_CPUS, the kernel side's share of the load's CPUs to overhead-perf-load-cpus.txt
and a row of the table; what each thread of dnstrail and dnstrail-sub was doing (own code,
libzmq, libc, file writes, TCP sends, poll, ...) to overhead-perf-threads.txt and a row each."
. "$(dirname "$0")/lib.sh"
. "$DTB_BENCH/peers.sh"
dtb_parse_args "$@"
: "${DTB_PROFILE:=}"
dtb_init
dtb_setup

WITH_DT=0
if dtb_have_dnstrail; then
	WITH_DT=1
else
	dtb_log "no $DTB_BUILD/bin/dnstrail{,-sub}: measuring the baseline and peers only"
fi

# dnstrail run: sub + daemon around one dnsperf; appends to the round arrays.
run_dnstrail()
{
	local r=$1 cpu0 cpu1 tx
	dtb_daemon_start "r$r"
	dtb_sub_start "r$r"
	cpu0=$(dtb_cpu "$DTB_DAEMON_PID")
	dtb_thread_ticks "$DTB_DAEMON_PID" >"$DTB_WORK/threads-dt0"
	dtb_thread_ticks "$DTB_SUB_PID" >"$DTB_WORK/threads-sub0"
	if [ -n "$DTB_PROFILE" ] && [ "$r" = 1 ]; then
		# system-wide: the BPF programs show up as bpf_prog_* kernel symbols
		perf record -q -a -g -o "$DTB_WORK/perf.data" -- sleep "$DTB_DURATION" \
			>/dev/null 2>&1 &
		PERF=$!
	fi
	dtb_dnsperf "$DTB_WORK/dnsperf-dt-r$r.txt"
	[ -n "${PERF:-}" ] && wait "$PERF"
	# the backlog (ring buffer, output queue) is part of the bill
	dtb_wait_idle "$DTB_DAEMON_PID"
	cpu1=$(dtb_cpu "$DTB_DAEMON_PID")
	dtb_thread_ticks "$DTB_DAEMON_PID" >"$DTB_WORK/threads-dt1"
	dtb_wait_idle "$DTB_SUB_PID" # it exits only after its idle timeout
	dtb_thread_ticks "$DTB_SUB_PID" >"$DTB_WORK/threads-sub1"
	HWM[$r]=$(dtb_status_kb "$DTB_DAEMON_PID" VmHWM)
	RB_KB[$r]=$(dtb_bpf_map_rss_kb "$DTB_DAEMON_PID")
	if [ -n "${PERF:-}" ]; then
		PERF=
		perf report -i "$DTB_WORK/perf.data" --stdio --no-children --sort comm,dso,sym \
			2>/dev/null | grep -v '^$' | grep -E '^ +[0-9]' | head -60 >"$DTB_OUT/overhead-perf.txt"
		perf report -i "$DTB_WORK/perf.data" --stdio --no-children --pid "$DTB_DAEMON_PID" --sort dso,sym \
			2>/dev/null | grep -E '^ +[0-9]' | head -40 >"$DTB_OUT/overhead-perf-dnstrail.txt"
		# the kernel side: JIT-ed programs (bpf_prog_<tag>_<name>) and BPF helpers
		perf report -i "$DTB_WORK/perf.data" --stdio --no-children --sort sym -g none \
			2>/dev/null | grep -E '^ +[0-9]' | grep -E 'bpf|ringbuf|htab' |
			head -30 >"$DTB_OUT/overhead-perf-bpf.txt"
		# where the machine's time went, per program (threads by name:
		# ZMQbg/* are ZeroMQ's I/O threads, swapper is idle)
		perf report -i "$DTB_WORK/perf.data" --stdio --no-children --sort comm -g none \
			2>/dev/null | grep -E '^ +[0-9]' | head -20 >"$DTB_OUT/overhead-perf-comm.txt"
		# each thread of dnstrail and dnstrail-sub by what it was doing
		# (own code, libzmq, libc, file writes, TCP sends, poll, ...)
		: >"$DTB_OUT/overhead-perf-threads.txt"
		local who name pid
		for who in "dnstrail $DTB_DAEMON_PID" "dnstrail-sub $DTB_SUB_PID"; do
			read -r name pid <<<"$who"
			perf script -i "$DTB_WORK/perf.data" --pid "$pid" 2>/dev/null |
				"$DTB_PY" "$DTB_BENCH/perf_threads.py" "$name" "$pid" \
				>>"$DTB_OUT/overhead-perf-threads.txt"
		done
		# with the load on CPUs of its own: what the kernel side takes of
		# theirs (programs, the tracepoint dispatch, ring and time helpers)
		if [ -n "${DTB_LOAD_CPUS:-}" ]; then
			perf report -i "$DTB_WORK/perf.data" --stdio --no-children --cpu "$DTB_LOAD_CPUS" \
				--sort sym -g none 2>/dev/null | grep -E '^ +[0-9]' |
				grep -E 'bpf_|ringbuf|ktime_get_mono_fast_ns' | grep -v bpf_lsm_ \
				>"$DTB_OUT/overhead-perf-load-cpus.txt"
			PERF_LOAD_BPF=$(awk '{ gsub("%", "", $1); s += $1 } END { printf "%.2f\n", s }' \
				"$DTB_OUT/overhead-perf-load-cpus.txt")
		fi
	fi
	dtb_daemon_stop
	dtb_sub_wait
	QPS_DT[$r]=$DNSPERF_QPS
	COMPLETED[$r]=$DNSPERF_COMPLETED
	LOST[$r]=$DNSPERF_LOST
	tx=$(dtb_stat "$DTB_DAEMON_STATS" transactions)
	CPU100K[$r]=$(dtb_cpu100k "$cpu0" "$cpu1" "$tx")
	read -r DT_MAIN[$r] DT_IO[$r] DT_OTHER[$r] < <(dtb_thread_split "$DTB_DAEMON_PID" \
		"$DTB_WORK/threads-dt0" "$DTB_WORK/threads-dt1" "$tx")
	read -r SUB_MAIN[$r] SUB_IO[$r] SUB_OTHER[$r] < <(dtb_thread_split "$DTB_SUB_PID" \
		"$DTB_WORK/threads-sub0" "$DTB_WORK/threads-sub1" "$tx")
	read -r DT_WMAIN[$r] DT_WIO[$r] < <(dtb_thread_wakes "$DTB_DAEMON_PID" \
		"$DTB_WORK/threads-dt0" "$DTB_WORK/threads-dt1" "$tx")
	read -r SUB_WMAIN[$r] SUB_WIO[$r] < <(dtb_thread_wakes "$DTB_SUB_PID" \
		"$DTB_WORK/threads-sub0" "$DTB_WORK/threads-sub1" "$tx")
	SUB100K[$r]=$(awk -v a="${SUB_MAIN[$r]}" -v b="${SUB_IO[$r]}" -v c="${SUB_OTHER[$r]}" \
		'BEGIN { if (a b c ~ /^[0-9.]+$/) printf "%.4f\n", a + b + c; else print "?" }')
	KDROPS[$r]=$(dtb_stat "$DTB_DAEMON_STATS" kernel_drops)
	ODROPS[$r]=$(dtb_stat "$DTB_DAEMON_STATS" output_drops)
	SUBLOST[$r]=$(dtb_stat "$DTB_SUB_STATS" lost)
	eval "$(dtb_analyze "$DTB_SUB_OUT" | sed 's/^/A_/')"
	OK[$r]=${A_status_ok:-0}
	[ "${OK[$r]}" -gt "$DNSPERF_COMPLETED" ] &&
		dtb_log "warning: more bench events than dnsperf queries: is another benchmark running?"
	DUPS[$r]=${A_duplicates:-0}
	TMO[$r]=${A_status_timeout:-0}
	PROC[$r]="${A_process_top:-?} ${A_process_top_share:-?}"
	P50[$r]=${A_duration_p50_us:-?}
	dtb_log "round $r dnstrail: $DNSPERF_QPS q/s, completed $DNSPERF_COMPLETED," \
		"ok events ${OK[$r]}, dups ${DUPS[$r]}, timeouts ${TMO[$r]}," \
		"cpu/100k ${CPU100K[$r]} s (main ${DT_MAIN[$r]}, zmq i/o ${DT_IO[$r]}, other ${DT_OTHER[$r]})," \
		"dnstrail-sub cpu/100k ${SUB100K[$r]} s (main ${SUB_MAIN[$r]}, zmq i/o ${SUB_IO[$r]}), stats $DTB_DAEMON_STATS $DTB_SUB_STATS"
	cp "$DTB_DAEMON_ERR" "$DTB_OUT/overhead-dnstrail-r$r.err" 2>/dev/null
	rm -f "$DTB_SUB_OUT"
}

declare -a DT_MAIN DT_IO DT_OTHER SUB_MAIN SUB_IO SUB_OTHER SUB100K PRED DT_WMAIN DT_WIO SUB_WMAIN SUB_WIO
NCPU=$(nproc)

# The ratio that CPU use alone explains. At saturation dnsperf and NSD keep
# every CPU busy, a query costs them NCPU / Q CPU-seconds (Q: q/s alone), and
# C CPU-seconds of ours per transaction leave them Q' = Q / (1 + C Q / NCPU).
# predicted_ratio DAEMON_CPU100K SUB_CPU100K QPS_ALONE (BPF time not in C)
predicted_ratio()
{
	awk -v d="$1" -v s="$2" -v q="$3" -v n="$NCPU" 'BEGIN {
		if (d s ~ /^[0-9.]+$/) printf "%.4f\n", 1 / (1 + (d + s) / 1e5 * q / n)
		else print "?" }'
}
declare -A PEER_QPS PEER_CAP PEER_RATIO PEER_NOTE
# Tracing programs loaded by others (other dnstrail instances, tests) run on
# every packet of the "alone" runs too: recorded as a noise indicator.
foreign_tracing() { bpftool prog show --json 2>/dev/null |
	jq '[.[]? | objects | select(.type == "tracing" or .type == "raw_tracepoint")] | length' 2>/dev/null || echo "?"; }
FOREIGN=""
for r in $(seq 1 "$DTB_ROUNDS"); do
	FOREIGN="$FOREIGN $(foreign_tracing)"
	dtb_dnsperf "$DTB_WORK/dnsperf-alone-a-r$r.txt"
	A1=$DNSPERF_QPS
	dtb_log "round $r alone: $A1 q/s"
	if [ $WITH_DT = 1 ]; then
		run_dnstrail "$r"
		dtb_dnsperf "$DTB_WORK/dnsperf-alone-b-r$r.txt"
		A2=$DNSPERF_QPS
		dtb_log "round $r alone: $A2 q/s"
		alone=$(dtb_mean2 "$A1" "$A2")
		RATIO[$r]=$(dtb_ratio "${QPS_DT[$r]}" "$alone")
		PRED[$r]=$(predicted_ratio "${CPU100K[$r]}" "${SUB100K[$r]}" "$alone")
		ALONE[$r]="$A1 $A2"
	else
		A2=$A1
		ALONE[$r]="$A1"
	fi
	for p in $DTB_PEERS; do
		dtb_peer_start "$p"
		dtb_dnsperf "$DTB_WORK/dnsperf-$p-r$r.txt"
		dtb_peer_stop "$p"
		PEER_QPS[$p]="${PEER_QPS[$p]:-} $DNSPERF_QPS"
		PEER_CAP[$p]="${PEER_CAP[$p]:-} $(dtb_ratio "$PEER_CAPTURED" $((2 * DNSPERF_COMPLETED)))"
		[ -n "$PEER_EXTRA" ] && PEER_NOTE[$p]="${PEER_NOTE[$p]:-}; r$r $PEER_EXTRA"
		dtb_log "round $r $p: $DNSPERF_QPS q/s, captured $PEER_CAPTURED of $((2 * DNSPERF_COMPLETED)) messages" \
			"$PEER_EXTRA"
		# an alone run after each peer too: a peer's ratio is over the two
		# alone runs around it, like dnstrail's (this VM drifts within a round)
		pq=$DNSPERF_QPS
		dtb_dnsperf "$DTB_WORK/dnsperf-alone-$p-r$r.txt"
		dtb_log "round $r alone: $DNSPERF_QPS q/s"
		ALONE[$r]="${ALONE[$r]} $DNSPERF_QPS"
		PEER_RATIO[$p]="${PEER_RATIO[$p]:-} $(dtb_ratio "$pq" "$(dtb_mean2 "$A2" "$DNSPERF_QPS")")"
		A2=$DNSPERF_QPS
	done
done

all_alone=$(printf '%s ' "${ALONE[@]}")
dtb_result "queries/s alone" "$(dtb_median <<<"$all_alone") (median; $(dtb_minmax <<<"$all_alone"))" "" \
	"dnsperf -c $DTB_CLIENTS -q $DTB_OUTSTANDING -l $DTB_DURATION, $DTB_ROUNDS rounds, $(dtb_endpoint)${DTB_LOAD_CPUS:+, load on CPU $DTB_LOAD_CPUS}${DTB_CPUS:+, dnstrail and peers on CPU $DTB_CPUS}"
dtb_result "tracing programs of others at alone runs" "$(echo $FOREIGN)" "0" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg); both add noise to every run"
if [ $WITH_DT = 1 ]; then
	qd=$(printf '%s ' "${QPS_DT[@]}")
	rt=$(printf '%s ' "${RATIO[@]}")
	dtb_result "queries/s with dnstrail" "$(dtb_median <<<"$qd") ($(dtb_minmax <<<"$qd"))" "" ""
	dtb_result "ratio with/without dnstrail" "$(dtb_median <<<"$rt") (spread $(dtb_minmax <<<"$rt"))" \
		">= 0.95" "per round: $rt"
	comp=$(printf '%s ' "${COMPLETED[@]}")
	oks=$(printf '%s ' "${OK[@]}")
	pct=""
	for r in $(seq 1 "$DTB_ROUNDS"); do
		pct="$pct $(awk -v o="${OK[$r]}" -v c="${COMPLETED[$r]}" \
			'BEGIN { if (c > 0) printf "%.2f", 100 * o / c; else print "?" }')"
	done
	dtb_result "completeness % (ok events / dnsperf completed)" "$(echo $pct)" "100.00" \
		"completed: $comp; ok events: $oks"
	dtb_result "duplicate events" "$(printf '%s ' "${DUPS[@]}")" "0" ""
	dtb_result "timeout events (dnsperf lost)" "$(printf '%s ' "${TMO[@]}") ($(printf '%s ' "${LOST[@]}"))" "" ""
	dtb_result "kernel_drops / output_drops / sub lost" \
		"$(printf '%s ' "${KDROPS[@]}")/ $(printf '%s ' "${ODROPS[@]}")/ $(printf '%s ' "${SUBLOST[@]}")" \
		"0 / 0 / 0" "per round"
	c100=$(printf '%s ' "${CPU100K[@]}")
	dtb_result "CPU s per 100k transactions" "$(dtb_median <<<"$c100") ($(dtb_minmax <<<"$c100"))" \
		"<= 0.05" "utime+stime of dnstrail during dnsperf"
	med() { dtb_median <<<"$(printf '%s ' "$@")"; }
	dtb_result "  by thread: main / ZeroMQ I/O / other" \
		"$(med "${DT_MAIN[@]}") / $(med "${DT_IO[@]}") / $(med "${DT_OTHER[@]}")" "" \
		"medians; /proc/PID/task/*/stat"
	s100=$(printf '%s ' "${SUB100K[@]}")
	dtb_result "dnstrail-sub CPU s per 100k" "$(dtb_median <<<"$s100") ($(dtb_minmax <<<"$s100"))" "" \
		"main $(med "${SUB_MAIN[@]}"), ZeroMQ I/O $(med "${SUB_IO[@]}"): counts in the ratio too"
	dtb_result "transactions per wake-up: dnstrail main / I/O, dnstrail-sub main / I/O" \
		"$(med "${DT_WMAIN[@]}") / $(med "${DT_WIO[@]}"), $(med "${SUB_WMAIN[@]}") / $(med "${SUB_WIO[@]}")" "" \
		"medians; voluntary context switches (/proc/PID/task/*/status) over the same span as the CPU, the idle wait after dnsperf included: how many events each thread handles per sleep (bench/zmq_cost.sh: the transport costs less per event in larger bursts)"
	pr=$(printf '%s ' "${PRED[@]}")
	dtb_result "ratio predicted from CPU use" "$(dtb_median <<<"$pr") ($(dtb_minmax <<<"$pr"))" "" \
		"1 / (1 + C Q / $NCPU): C = dnstrail + dnstrail-sub CPU s per transaction, Q = q/s alone, BPF time left out; per round: $pr${DTB_LOAD_CPUS:+; assumes the load shares its CPUs with dnstrail, which DTB_LOAD_CPUS prevents}"
	dtb_result "CPU budget for ratio 0.95, s per 100k" \
		"$(awk -v q="$(dtb_median <<<"$all_alone")" -v n="$NCPU" 'BEGIN { printf "%.4f\n", (1 / 0.95 - 1) * n * 1e5 / q }')" "" \
		"BPF, dnstrail and dnstrail-sub together, at the median q/s alone on $NCPU CPUs"
	# the transport alone, at the rate dnstrail published in its runs
	zrate=$(awk -v q="$(dtb_median <<<"$qd")" 'BEGIN { printf "%d\n", q }')
	dtb_result "bare ZeroMQ CPU s per 100k messages at that rate" \
		"$(dtb_zmq_cpu100k "$zrate" "$DTB_DURATION" "${DTB_ZMQ_PAYLOAD:-450}")" "" \
		"bench/zmq_send_rate: $zrate two-frame messages/s of ${DTB_ZMQ_PAYLOAD:-450} B for ${DTB_DURATION} s, PUB and SUB in one process over TCP loopback, no dnsperf: one message per event costs this much before any work"
	# in bursts as large as the daemon's: one per wake-up of its main thread
	ztick=$(awk -v w="$(med "${DT_WMAIN[@]}")" -v q="$zrate" 'BEGIN { w += 0;
		t = (w > 0 && q > 0) ? int(w * 1000 / q + 0.5) : 1; print (t < 1 ? 1 : (t > 999 ? 999 : t)) }')
	read -r zpub zsub <<<"$(dtb_zmq_split_cpu100k "$zrate" "$DTB_DURATION" "${DTB_ZMQ_PAYLOAD:-450}" "$ztick")"
	dtb_result "  the same, PUB and SUB in two processes: publisher / subscriber" "$zpub / $zsub" "" \
		"zmq_send_rate -p, in bursts every $ztick ms (the daemon's main thread woke once per that many ms' transactions): each side's process with its own I/O thread, as dnstrail and dnstrail-sub; the publisher's share is a floor under dnstrail's CPU per event"
	dtb_result "VmHWM kB (ring-buffer RSS kB)" "$(printf '%s ' "${HWM[@]}")($(printf '%s ' "${RB_KB[@]}"))" \
		"<= 16384 + ring" ""
	# DTB_PROFILE: one line per thread kind, its largest four shares in the row
	while IFS=$'\t' read -r label thread n shares; do
		dtb_result "$label, $thread thread: where its time went (perf)" \
			"$(cut -d, -f1-4 <<<"$shares")" "" \
			"round 1, $n samples; every share: overhead-perf-threads.txt (bench/perf_threads.py)"
	done < <(cat "$DTB_OUT/overhead-perf-threads.txt" 2>/dev/null)
	if [ -n "${PERF_LOAD_BPF:-}" ]; then
		dtb_result "kernel side's share of the load's CPUs, % (perf)" "$PERF_LOAD_BPF" "" \
			"round 1, CPU $DTB_LOAD_CPUS: the sum over overhead-perf-load-cpus.txt; VM exits (timers, IPIs) do not show in a guest's profile"
	fi
	dtb_result "process.name (share)" "${PROC[1]}" "dnsperf 1.0000" "attribution of bench events"
	dtb_result "event.duration p50 us" "$(printf '%s ' "${P50[@]}")" "" ""
fi
for p in $DTB_PEERS; do
	dtb_result "ratio with $p" "$(dtb_median <<<"${PEER_RATIO[$p]}") ($(dtb_minmax <<<"${PEER_RATIO[$p]}"))" "" \
		"q/s:${PEER_QPS[$p]}; captured share of messages:${PEER_CAP[$p]}${PEER_NOTE[$p]:-}"
done
# The kernel side's share, from the dnstrail-bpf peer of the same round: each
# ratio R = 1 / (1 + X) gives the fraction X of the load's CPU it took, and
# the fractions add up. Set beside the measured ratio, this says whether CPU
# use explains it, and how much of it the kernel side alone takes.
if [ $WITH_DT = 1 ] && [[ " $DTB_PEERS " == *" dnstrail-bpf "* ]]; then
	read -r -a BPF_R <<<"${PEER_RATIO[dnstrail-bpf]}"
	pk=""
	for r in $(seq 1 "$DTB_ROUNDS"); do
		pk="$pk $(awk -v p="${PRED[$r]}" -v b="${BPF_R[$((r - 1))]:-}" 'BEGIN {
			if (p b ~ /^[0-9.]+$/ && p > 0 && b > 0) printf "%.4f", 1 / (1 / p + 1 / b - 1)
			else print "?" }')"
	done
	dtb_result "ratio predicted from CPU use and the kernel side" "$(dtb_median <<<"$pk") ($(dtb_minmax <<<"$pk"))" "" \
		"1 / (1/P + 1/B - 1): P the prediction from CPU use above, B the ratio with dnstrail-bpf in the same round (its ring reader included); per round:$pk"
fi
# The kernel side taken apart, from the medians of its three peers: each
# ratio R = 1 / (1 + X) gives the share X of the load's CPU time it took;
# each stage's share is its peer's X less the X of the peer before it.
if [[ " $DTB_PEERS " == *" bpf-empty "* && " $DTB_PEERS " == *" dnstrail-bpf-filter "* &&
	" $DTB_PEERS " == *" dnstrail-bpf "* ]]; then
	dtb_result "kernel side's cost to the load, %: dispatch / filter / DNS work" \
		"$(awk -v e="$(dtb_median <<<"${PEER_RATIO[bpf-empty]}")" \
			-v f="$(dtb_median <<<"${PEER_RATIO[dnstrail-bpf-filter]}")" \
			-v b="$(dtb_median <<<"${PEER_RATIO[dnstrail-bpf]}")" 'BEGIN {
			if (e f b !~ /^[0-9.]+$/ || e <= 0 || f <= 0 || b <= 0) { print "?"; exit }
			xe = 1 / e - 1; xf = 1 / f - 1; xb = 1 / b - 1
			printf "%.1f / %.1f / %.1f\n", 100 * xe, 100 * (xf - xe), 100 * (xb - xf) }')" "" \
		"from the median ratios with bpf-empty (empty programs), dnstrail-bpf-filter (every packet through the non-DNS exit) and dnstrail-bpf (everything, ring reader included); X = 1/R - 1, each stage the difference from the one before; noise can make a stage negative"
fi
dtb_table "$DTB_TSV"
