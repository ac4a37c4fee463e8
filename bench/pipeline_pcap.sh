#!/bin/bash
# SPDX-License-Identifier: MIT
# Pipeline throughput without the kernel: capture real dnsperf traffic with
# tcpdump on the bench veth, replay it with `dnstrail --pcap` (decode, match,
# encode, publish to a dnstrail-sub), and compare with the bare ZeroMQ send
# rate of this machine measured in the same run (bench/zmq_send_rate.c).
set -uo pipefail
DTB_USAGE="Pipeline throughput: capture --duration seconds of dnsperf traffic (at most
DTB_PCAP_PACKETS packets, default 2000000) with tcpdump, replay it DTB_REPLAYS times
(default 3) through 'dnstrail --pcap', report DNS messages per CPU-second of dnstrail
(= per core) and per wall second, against the bare ZeroMQ PUB->SUB rate.
DTB_PROFILE=1 also runs callgrind on a 100 000-packet slice and keeps the top functions.
DTB_ZMQ_COUNT (1000000) / DTB_ZMQ_PAYLOAD (500): the bare ZeroMQ reference run;
DTB_MICRO=0 skips the per-stage micro-benchmarks. DTB_ZMQ_BATCH (\"1 64\"): the zmq output's
'batch:' values to replay with, alternated (1 = one ZeroMQ message per event, the default
of the product; 64 = the opt-in batch mode); one set of rows per value."
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_PCAP_PACKETS:=2000000}"
: "${DTB_REPLAYS:=3}"
: "${DTB_PROFILE:=}"
: "${DTB_ZMQ_COUNT:=1000000}"
: "${DTB_MICRO:=1}" # also run bench/decode_bench and bench/engine_bench when built
: "${DTB_ZMQ_BATCH:=1 64}" # the zmq output's batch: values, alternated
: "${DTB_ZMQ_PAYLOAD:=500}" # one A transaction is ~490 B of protobuf (test_wire_bench)
dtb_init

# The bare ZeroMQ reference
dtb_build_zsr

dtb_have_dnstrail || {
	out=$("$DTB_ZSR" "$DTB_ZMQ_COUNT" "$DTB_ZMQ_PAYLOAD" $((DTB_PORT + 1)))
	dtb_result "bare ZeroMQ msgs/s" "$(dtb_zsr_field "$out" msgs_per_s)" "" "$out"
	dtb_result "pipeline msgs/s/core" "n/a" ">= 1000000" "no $DTB_BUILD/bin/dnstrail"
	dtb_table "$DTB_TSV"
	exit 0
}

dtb_setup
PCAP="$DTB_WORK/capture.pcap"
ip netns exec "$DTB_NS_S" tcpdump -n -i dtb-s -s 0 -B 65536 -c "$DTB_PCAP_PACKETS" \
	-w "$PCAP" udp port 53 2>"$DTB_WORK/tcpdump.err" &
TCPDUMP=$!
DTB_PIDS+=($TCPDUMP)
sleep 1
dtb_dnsperf "$DTB_WORK/dnsperf-capture.txt"
kill -INT "$TCPDUMP" 2>/dev/null
wait "$TCPDUMP" 2>/dev/null
PACKETS=$(dtb_pcap_count "$PCAP")
dtb_log "captured $PACKETS packets ($(du -h "$PCAP" | cut -f1)) at $DNSPERF_QPS q/s"

# the replay waits for its subscriber (auto waits 0.5 s at most, and an
# ipc:// subscriber may take longer to reconnect on a busy machine)
for b in $DTB_ZMQ_BATCH; do
	cat >"$DTB_WORK/replay-b$b.yaml" <<EOF
pipeline:
  outputs:
    - name: zmq
      publish: [$(dtb_endpoint)]
      wait_subscribers: 1
      batch: $b
EOF
done

# replay ID BATCH: one replay with the zmq output's batch: BATCH
replay()
{
	local i=$1 b=$2 tf="$DTB_WORK/time-$1.txt" err="$DTB_WORK/replay-$1.err"
	dtb_sub_start "replay$i"
	sleep 0.5
	/usr/bin/time -f '%e %U %S %M' -o "$tf" "$DTB_BUILD/bin/dnstrail" --pcap "$PCAP" \
		-c "$DTB_WORK/replay-b$b.yaml" >/dev/null 2>"$err"
	read -r WALL USR SYS MAXKB <"$tf"
	local stats
	stats=$(grep -h '"dnstrail_stats"' "$err" | tail -1)
	dtb_sub_wait
	DEC[$i]=$(dtb_stat "$stats" messages_decoded)
	TX[$i]=$(dtb_stat "$stats" transactions)
	PUB[$i]=$(dtb_stat "$stats" events_published)
	ODR[$i]=$(dtb_stat "$stats" output_drops)
	RCV[$i]=$(dtb_stat "$DTB_SUB_STATS" received)
	PERCORE[$i]=$(awk -v m="${DEC[$i]}" -v u="$USR" -v s="$SYS" \
		'BEGIN { if (u + s > 0) printf "%.0f", m / (u + s); else print "?" }')
	PERWALL[$i]=$(awk -v m="${DEC[$i]}" -v w="$WALL" 'BEGIN { if (w > 0) printf "%.0f", m / w; else print "?" }')
	TXWALL[$i]=$(awk -v m="${PUB[$i]}" -v w="$WALL" 'BEGIN { if (w > 0) printf "%.0f", m / w; else print "?" }')
	MAXRSS[$i]=$MAXKB
	dtb_log "replay $i (batch: $b): ${WALL}s wall, ${USR}+${SYS}s CPU, decoded ${DEC[$i]}, transactions ${TX[$i]}," \
		"published ${PUB[$i]}, output_drops ${ODR[$i]}, sub received ${RCV[$i]}: ${PERCORE[$i]} msgs/CPU-s"
	[ "${RCV[$i]}" = "${PUB[$i]}" ] ||
		dtb_log "replay $i: WARNING the subscriber received ${RCV[$i]} of ${PUB[$i]} events:" \
			"this replay's rate does not count a whole pipeline"
	cp "$err" "$DTB_OUT/pipeline-replay-$i.err"
	rm -f "$DTB_SUB_OUT"
}

declare -A DEC TX PUB ODR RCV PERCORE PERWALL TXWALL MAXRSS
for r in $(seq 1 "$DTB_REPLAYS"); do
	for b in $DTB_ZMQ_BATCH; do
		replay "b$b-$r" "$b"
	done
done
ZOUT=$("$DTB_ZSR" "$DTB_ZMQ_COUNT" "$DTB_ZMQ_PAYLOAD" $((DTB_PORT + 1)))
ZRATE=$(dtb_zsr_field "$ZOUT" msgs_per_s)
# CPU of the transport alone (both ends, their I/O threads included)
ZCPU100K=$(dtb_zsr_cpu100k "$ZOUT")
dtb_log "bare ZeroMQ: $ZOUT"
# ... and with the SUB in a process of its own, as dnstrail-sub: the
# publisher's CPU alone, a floor under the replay's CPU per event
ZSPLIT=$("$DTB_ZSR" -p "$DTB_ZMQ_COUNT" "$DTB_ZMQ_PAYLOAD" $((DTB_PORT + 1)))
ZPUB100K=$(dtb_zsr_cpu100k "$ZSPLIT" pub_cpu_s)
dtb_log "bare ZeroMQ, two processes: $ZSPLIT"

# the values of one batch: setting, in replay order
of_batch() { # ARRAY-NAME BATCH
	local -n a=$1
	local r
	for r in $(seq 1 "$DTB_REPLAYS"); do printf '%s ' "${a[b$2-$r]}"; done
}
dtb_result "bare ZeroMQ CPU s per 100k messages" "$ZCPU100K" "" \
	"PUB and SUB in one process, TCP loopback, both I/O threads: the transport alone, one message per event"
dtb_result "  the same, PUB and SUB in two processes: publisher / subscriber" \
	"$ZPUB100K / $(dtb_zsr_cpu100k "$ZSPLIT" sub_cpu_s)" "" \
	"zmq_send_rate -p, as fast as it goes: each side's process with its own I/O thread"
dtb_result "capture" "$PACKETS packets" "" "dnsperf $DNSPERF_QPS q/s for ${DTB_DURATION}s, tcpdump on the veth"
for b in $DTB_ZMQ_BATCH; do
	pc=$(of_batch PERCORE "$b")
	pw=$(of_batch PERWALL "$b")
	tw=$(of_batch TXWALL "$b")
	dtb_result "DNS msgs per CPU-second (per core), batch: $b" \
		"$(dtb_median <<<"$pc") ($(dtb_minmax <<<"$pc"))" ">= 1000000" \
		"messages_decoded / (utime+stime) of dnstrail --pcap, $DTB_REPLAYS replays (alternated)"
	dtb_result "DNS msgs per wall second, batch: $b" "$(dtb_median <<<"$pw") ($(dtb_minmax <<<"$pw"))" "" ""
	dtb_result "events published per wall second, batch: $b" "$(dtb_median <<<"$tw")" "" \
		"bare ZeroMQ PUB->SUB: $ZRATE msgs/s ($DTB_ZMQ_PAYLOAD B payload)"
	dtb_result "published / ZeroMQ bare rate, batch: $b" \
		"$(dtb_ratio "$(dtb_median <<<"$tw")" "$ZRATE")" "" ""
	if [ "$b" = 1 ]; then
		dtb_result "ceiling of batch: 1 from the publisher's transport alone, DNS msgs per CPU-second" \
			"$(awk -v d="${DEC[b1-1]}" -v p="${PUB[b1-1]}" -v z="$ZPUB100K" \
				'BEGIN { if (p > 0 && z > 0) printf "%.0f\n", d / p * 1e5 / z; else print "?" }')" "" \
			"(DNS messages per published event) / (bare publisher CPU s per event): the replay with no decode, match or encode at all"
	fi
	dtb_result "decoded / transactions / published / received, batch: $b" \
		"${DEC[b$b-1]} / ${TX[b$b-1]} / ${PUB[b$b-1]} / ${RCV[b$b-1]}" "" \
		"first replay; output_drops ${ODR[b$b-1]}"
	dtb_result "max RSS kB (replays), batch: $b" "$(of_batch MAXRSS "$b")" "" ""
done

# The per-stage micro-benchmarks (bench/decode_bench.c, bench/engine_bench.c),
# when built, put the stages of the pipeline beside the end-to-end figure.
if [ "$DTB_MICRO" = 1 ] && [ -x "$DTB_BUILD/bench/decode_bench" ]; then
	line=$(timeout 120 "$DTB_BUILD/bench/decode_bench" 2>&1 | grep '^responses: dns_decode' | head -1)
	dtb_result "stage: dns_decode of responses, msg/s" "$(awk '{print $3}' <<<"$line")" "" \
		"bench/decode_bench (per core)"
fi
if [ "$DTB_MICRO" = 1 ] && [ -x "$DTB_BUILD/bench/engine_bench" ]; then
	line=$(timeout 120 "$DTB_BUILD/bench/engine_bench" 1000000 0 2>&1 | grep '^engine only' | head -1)
	dtb_result "stage: engine (decode+match+record), msg/s" "$(awk '{print $5}' <<<"$line")" "" \
		"bench/engine_bench, no output (per core)"
fi

if [ -n "$DTB_PROFILE" ] && command -v valgrind >/dev/null; then
	SLICE="$DTB_WORK/slice.pcap"
	tcpdump -r "$PCAP" -c 100000 -w "$SLICE" 2>/dev/null
	SLICE_N=$(dtb_pcap_count "$SLICE")
	valgrind --tool=callgrind --callgrind-out-file="$DTB_OUT/pipeline-callgrind.out" \
		"$DTB_BUILD/bin/dnstrail" --pcap "$SLICE" --publish "$(dtb_endpoint)" \
		>/dev/null 2>"$DTB_WORK/callgrind.err"
	callgrind_annotate --inclusive=no "$DTB_OUT/pipeline-callgrind.out" 2>/dev/null |
		head -60 >"$DTB_OUT/pipeline-callgrind.txt"
	callgrind_annotate --inclusive=yes "$DTB_OUT/pipeline-callgrind.out" 2>/dev/null |
		head -100 >"$DTB_OUT/pipeline-callgrind-inclusive.txt"
	IR=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' "$DTB_OUT/pipeline-callgrind.txt")
	dtb_result "instructions per DNS message (callgrind)" \
		"$(awk -v i="$IR" -v n="$SLICE_N" 'BEGIN { if (n > 0) printf "%.0f", i / n; else print "?" }')" "" \
		"$SLICE_N-packet slice, whole process; top functions: pipeline-callgrind*.txt"
fi
dtb_table "$DTB_TSV"
