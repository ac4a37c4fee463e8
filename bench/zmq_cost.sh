#!/bin/bash
# SPDX-License-Identifier: MIT
# What the bare ZeroMQ transport costs each side per event, with nothing of
# dnstrail in it: bench/zmq_send_rate -p sends two-frame messages (topic +
# payload) from a PUB to a SUB in another process over TCP loopback, paced
# at several rates, and reports each process's CPU (its own I/O thread
# included). The publisher's figure is a floor under the daemon's CPU per
# event in its default mode (one ZeroMQ message per event), the subscriber's
# a floor under dnstrail-sub's.
set -uo pipefail
DTB_USAGE="Bare ZeroMQ cost per message, publisher and subscriber in two processes:
DTB_ZMQ_RATES (default \"20000 50000 100000 150000 0\"; 0 = as fast as it goes) messages
a second for --duration seconds each (DTB_ZMQ_COUNT, 1 000 000, messages at rate 0), --rounds times
alternated; DTB_ZMQ_PAYLOAD (450) bytes of payload, as a transaction's protobuf; paced in
bursts every DTB_ZMQ_TICK_MS (1) milliseconds (the daemon sends what each turn of its
main loop produced as one burst: at saturation a turn every 3-5 ms).
No namespaces, no dnsperf, no dnstrail: only libzmq and loopback TCP."
. "$(dirname "$0")/lib.sh"
dtb_parse_args "$@"
: "${DTB_ZMQ_RATES:=20000 50000 100000 150000 0}"
: "${DTB_ZMQ_PAYLOAD:=450}"
: "${DTB_ZMQ_TICK_MS:=1}"
dtb_init
dtb_build_zsr

declare -A PUB SUB WALL
for r in $(seq 1 "$DTB_ROUNDS"); do
	for rate in $DTB_ZMQ_RATES; do
		count=$((rate > 0 ? rate * DTB_DURATION : ${DTB_ZMQ_COUNT:-1000000}))
		out=$("$DTB_ZSR" -p "$count" "$DTB_ZMQ_PAYLOAD" $((DTB_PORT + 1)) "$rate" "$DTB_ZMQ_TICK_MS") ||
			dtb_log "rate $rate round $r: zmq_send_rate failed: $out"
		PUB[$rate]+="$(dtb_zsr_cpu100k "$out" pub_cpu_s) "
		SUB[$rate]+="$(dtb_zsr_cpu100k "$out" sub_cpu_s) "
		WALL[$rate]+="$(dtb_zsr_field "$out" msgs_per_s) "
		dtb_log "rate $rate round $r: $out"
	done
done

for rate in $DTB_ZMQ_RATES; do
	if [ "$rate" = 0 ]; then
		what="as fast as it goes ($(dtb_median <<<"${WALL[$rate]}") msgs/s)"
	else
		what="$rate msgs/s, bursts every $DTB_ZMQ_TICK_MS ms"
	fi
	dtb_result "$what: publisher / subscriber CPU s per 100k messages" \
		"$(dtb_median <<<"${PUB[$rate]}") / $(dtb_median <<<"${SUB[$rate]}")" "" \
		"medians of $DTB_ROUNDS rounds: publisher ${PUB[$rate]% }, subscriber ${SUB[$rate]% } (dnstrail's target for all its work: 0.05)"
done
dtb_table "$DTB_TSV"
