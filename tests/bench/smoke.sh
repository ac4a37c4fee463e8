#!/bin/bash
# SPDX-License-Identifier: MIT
# CI smoke test of the benchmark harness: runs bench/run-all.sh --quick (about
# 30-60 s) and one round of bench/ab.sh (about 25 s), and checks that they
# produced their tables. Never judges the numbers: timings on shared CI
# machines mean nothing.
# usage: smoke.sh [BUILD_DIR]; exit 77 (skipped) without root or namespaces.
set -u
BUILD=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
ip netns add dtbench-probe 2>/dev/null || { echo "skip: no network namespaces"; exit 77; }
ip netns del dtbench-probe
for cmd in dnsperf nsd kdig jq tcpdump iperf3 bpftool perf objdump; do
	command -v "$cmd" >/dev/null && continue
	echo "skip: $cmd not installed"
	[ "${CI:-}" = true ] && exit 1 # CI installs them: a missing tool is a failure there
	exit 77
done
PEER=tshark-pcap
command -v tshark >/dev/null || PEER=
# dnstrail's cost taken apart: its BPF programs alone, its daemon without a
# subscriber; the cheapest same-host set-up (Unix socket and batch); events
# without the raw DNS messages
SPLIT=
[ -x "$BUILD/bin/dnstrail" ] && [ -x "$BUILD/bin/bpf_dump" ] &&
	SPLIT="bpf-empty dnstrail-bpf-filter dnstrail-bpf dnstrail-nosub dnstrail-lean dnstrail-nowire"

# one benchmark at a time (see bench/lib.sh): skip rather than wait long
exec 8>/run/lock/dnstrail-bench.lock
flock -w 240 8 || { echo "skip: another benchmark is running on this host"; exit 77; }
export DTB_LOCKED=1

OUT=$(mktemp -d /tmp/dnstrail-bench-smoke.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# a port and namespaces of its own, so a concurrent test or benchmark does not collide
# (the port below the ephemeral range, where a client socket could hold it)
PORT=$((20000 + $$ % 12000))
DTB_PORT=$PORT DTB_NS_C=dtsmoke$$-c DTB_NS_S=dtsmoke$$-s \
	DTB_NO_INSTALL=1 DTB_MEM_SECONDS=6 DTB_PEERS="$PEER $SPLIT" \
	"$ROOT/bench/run-all.sh" --quick --build "$BUILD" --out "$OUT" >"$OUT/stdout.txt" 2>"$OUT/stderr.txt"
rc=$?
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$OUT/stdout.txt"; echo "--- stderr"; tail -40 "$OUT/stderr.txt"; exit 1; }
[ $rc = 0 ] || fail "run-all.sh exited $rc"
grep -q '^| scenario *| metric' "$OUT/stdout.txt" || fail "no table header"
grep -q '^| overhead *| queries/s alone *| [0-9]' "$OUT/stdout.txt" || fail "no baseline queries/s row"
[ -z "$PEER" ] || grep -q '^| overhead *| ratio with tshark-pcap *| [0-9]' "$OUT/stdout.txt" ||
	fail "no peer row"
for p in $SPLIT; do
	grep -q "^| overhead *| ratio with $p *| [0-9]" "$OUT/stdout.txt" || fail "no row for peer $p"
done
for s in overhead kernel_cost bpf_cost pipeline_pcap zmq_cost memory burst; do
	grep -q "^| $s " "$OUT/stdout.txt" || fail "no row for scenario $s"
done
# the bare transport's cost on each side, at a paced rate and as fast as it goes
for r in '20000 msgs/s, bursts every 1 ms' 'as fast as it goes \([0-9]+ msgs/s\)'; do
	grep -qE "^\| zmq_cost *\| $r: publisher / subscriber CPU s per 100k messages *\| [0-9]+(\.[0-9]+)? / [0-9]+(\.[0-9]+)? " \
		"$OUT/stdout.txt" || fail "zmq_cost: no row for $r"
done
[ -z "$SPLIT" ] || grep -qE '^\| overhead *\| kernel side.s cost to the load, %: dispatch / filter / DNS work *\| -?[0-9.]+ / -?[0-9.]+ / -?[0-9.]+ ' \
	"$OUT/stdout.txt" || fail "no split of the kernel side's cost (bpf-empty, dnstrail-bpf-filter, dnstrail-bpf)"
if [ -x "$BUILD/bin/bpf_dump" ]; then
	# the loopback exchange, 2 x 3 000 round trips and 1 000 warm-up ones per run, two
	# messages each: every message recorded once, though lo shows it twice
	grep -qE '^\| kernel_cost *\| records written per run, record *\| 8000 8000 *\| 8000 ' "$OUT/stdout.txt" ||
		fail "kernel_cost: not every loopback DNS message recorded exactly once"
	for st in empty filter record all; do
		grep -qE "^\| kernel_cost *\| ns per round trip added, $st *\| -?[0-9.]+ \(" "$OUT/stdout.txt" ||
			fail "kernel_cost: no $st row"
	done
fi
if [ -x "$BUILD/bin/dnstrail" ] && [ -x "$BUILD/bin/dnstrail-sub" ]; then
	grep -q '^| overhead *| ratio with/without dnstrail *| [0-9]' "$OUT/stdout.txt" ||
		fail "dnstrail is built but no with/without ratio"
	grep -q '^| overhead *| completeness' "$OUT/stdout.txt" || fail "no completeness row"
	# where the CPU goes: the daemon's threads, and the subscriber's share
	grep -qE '^\| overhead *\| +by thread: main / ZeroMQ I/O / other *\| [0-9.]+ / [0-9.]+ / [0-9.]+ ' \
		"$OUT/stdout.txt" || fail "no per-thread CPU row"
	grep -qE '^\| overhead *\| dnstrail-sub CPU s per 100k *\| [0-9.]+ \(' "$OUT/stdout.txt" ||
		fail "no dnstrail-sub CPU row"
	[ -z "$SPLIT" ] || grep -qE '^\| overhead *\| ratio with dnstrail-lean .*cpu/100k [0-9.]+, dnstrail-sub [0-9.]+ drops [0-9]+/[0-9]+/[0-9]+' \
		"$OUT/stdout.txt" || fail "dnstrail-lean: no CPU of both processes"
	# what the ratio is made of: the CPU model, its budget, the transport's floor
	grep -qE '^\| overhead *\| ratio predicted from CPU use *\| 0\.[0-9]+ \(' "$OUT/stdout.txt" ||
		fail "no predicted ratio"
	grep -qE '^\| overhead *\| CPU budget for ratio 0.95, s per 100k *\| 0\.[0-9]+ ' "$OUT/stdout.txt" ||
		fail "no CPU budget row"
	[ -z "$SPLIT" ] || grep -qE '^\| overhead *\| ratio predicted from CPU use and the kernel side *\| 0\.[0-9]+ \(' \
		"$OUT/stdout.txt" || fail "no prediction with the kernel side (dnstrail-bpf)"
	grep -qE '^\| overhead *\| transactions per wake-up: dnstrail main / I/O, dnstrail-sub main / I/O *\| [0-9]+ / [0-9]+, [0-9]+ / [0-9]+ ' \
		"$OUT/stdout.txt" || fail "no transactions per wake-up row"
	grep -qE '^\| overhead *\| bare ZeroMQ CPU s per 100k messages at that rate *\| [0-9]+\.[0-9]+ ' \
		"$OUT/stdout.txt" || fail "no bare ZeroMQ CPU row in overhead"
	grep -qE '^\| pipeline_pcap *\| bare ZeroMQ CPU s per 100k messages *\| [0-9]+\.[0-9]+ ' \
		"$OUT/stdout.txt" || fail "no bare ZeroMQ CPU row in pipeline_pcap"
	# the transport with the SUB in a process of its own (zmq_send_rate -p)
	for s in overhead pipeline_pcap; do
		grep -qE "^\| $s *\| +the same, PUB and SUB in two processes: publisher / subscriber *\| [0-9]+\.[0-9]+ / [0-9]+\.[0-9]+ " \
			"$OUT/stdout.txt" || fail "no two-process bare ZeroMQ row in $s"
	done
	grep -qE '^\| pipeline_pcap *\| ceiling of batch: 1 from the publisher.s transport alone, DNS msgs per CPU-second *\| [0-9]+ ' \
		"$OUT/stdout.txt" || fail "no batch: 1 ceiling row in pipeline_pcap"
	for b in 1 64; do # the replays in both of the zmq output's modes
		grep -q "^| pipeline_pcap *| DNS msgs per CPU-second (per core), batch: $b *| [0-9]" \
			"$OUT/stdout.txt" || fail "no pipeline rate with batch: $b"
		# a whole pipeline: the subscriber got every published event
		grep -qE "^\| pipeline_pcap *\| decoded / transactions / published / received, batch: $b *\| [0-9]+ / [0-9]+ / ([1-9][0-9]*) / \1 " \
			"$OUT/stdout.txt" || fail "replay with batch: $b: the subscriber did not receive every event"
	done
	[ -s "$OUT/memory.csv" ] && [ "$(wc -l <"$OUT/memory.csv")" -ge 3 ] || fail "no memory curve"
	# the phase of long answers: its answers must pass the 128-byte word copy
	big=$(grep -E '^\| bpf_cost *\| BPF ns per DNS packet, ~324-byte answers *\| [0-9]' "$OUT/stdout.txt" |
		sed -n 's/.*DNS bytes: request [0-9]*, response \([0-9]*\).*/\1/p')
	[ -n "$big" ] && [ "$big" -gt 128 ] || fail "no bpf_cost row of long answers (response bytes '$big')"
fi
# bench/ab.sh: one alternated pair of bpf_cost, a shared ring against one per CPU
if [ -x "$BUILD/bin/dnstrail" ]; then
	printf 'pipeline:\n  inputs:\n    - name: ebpf\n      ring_per_cpu: false\n' >"$OUT/shared.yaml"
	DTB_PORT=$PORT DTB_NS_C=dtsmoke$$-c DTB_NS_S=dtsmoke$$-s DTB_BUILD=$BUILD \
		"$ROOT/bench/ab.sh" -r 1 -m 'DNS packet$' -o "$OUT/ab" bpf_cost \
		"DTB_DAEMON_ARGS='-c $OUT/shared.yaml'" '' -d 1 --no-install >"$OUT/ab.txt" 2>&1 ||
		{ cat "$OUT/ab.txt"; fail "bench/ab.sh failed"; }
	grep -qE '^\| BPF ns per DNS packet \| [0-9.]+ .*\| [0-9.]+ .*\| [-+][0-9.,e+-]+ \(A lower in [01] of 1\) \| [0-9.]+ \|$' \
		"$OUT/ab/ab.md" ||
		{ cat "$OUT/ab.txt"; fail "ab.sh: no A/B row"; }
	grep -q 'one shared ring buffer' "$OUT/ab/A-1.log" || fail "ab.sh: side A did not get its settings"
	grep -q 'ring buffers of .*one per online CPU' "$OUT/ab/B-1.log" || fail "ab.sh: side B is not the default"
fi
# bench/bpf_profile.sh: perf samples put on the JIT-ed instructions
if [ -x "$BUILD/bin/dnstrail" ]; then
	DTB_PORT=$PORT DTB_NS_C=dtsmoke$$-c DTB_NS_S=dtsmoke$$-s DTB_BUILD=$BUILD DTB_PROF_LOAD=dns \
		"$ROOT/bench/bpf_profile.sh" -d 1 --no-install -o "$OUT/prof" >"$OUT/prof.txt" 2>&1 ||
		{ cat "$OUT/prof.txt"; fail "bench/bpf_profile.sh failed"; }
	grep -qE '^\| bpf_profile \| ns per packet in bpf_prog_[0-9a-f]+_dt_net_dev_queue +\| [0-9.]+ ' \
		"$OUT/prof.txt" || { cat "$OUT/prof.txt"; fail "bpf_profile.sh: no row for the egress program"; }
	grep -qE '^ +[0-9]+ +[0-9a-f]+: ' "$OUT/prof/bpf-profile-dt_net_dev_queue-0.top" ||
		fail "bpf_profile.sh: no annotated instruction"
fi
cat "$OUT/stdout.txt"
echo "PASS"
