#!/bin/bash
# A whole replay reaches a subscriber started first, or what did not is
# proven lost: `dnstrail --pcap F --publish tcp://...` straight from the
# command line (no wait_subscribers in a config), a subscriber already
# connecting. Every message - DNS events and _stats. alike - has a sequence
# number, and the last one (the final stats message, sent at exit) closes the
# tail, so received + lost + stats seen = the last sequence number.
#  1. fast subscriber: nothing dropped, nothing lost, from sequence 1 on;
#  2. stalled subscriber (small rcvhwm, output not read for 3 s): the
#     forwarder drops, and the subscriber proves exactly those drops lost;
#  3. busy subscriber over ipc:// (rcvhwm 10, so its queue is full when the
#     replay ends): the forwarder hangs up only once the subscriber has read
#     everything. libzmq 4.3.4 drops what is still in the Unix socket when
#     the hang-up comes while its queue is full, final stats message and
#     all, so nothing would tell;
#  4. a subscriber that never reads, over ipc://: linger runs out, and the
#     bytes it never took show in the forwarder's unread_at_exit.
. "$(dirname "$0")/zmq_lib.sh"

N=${ZMQ_TAIL_N:-100000}
z_mkpcap "$W/big.pcap" "$N" 10.4.0.1

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# -v lines: "... from sequence N" (first seen) and "... sequence N uptime"
# (each stats message); prints FIRST LAST_STATS_SEQ N_STATS
sub_seqs() { # SUB.ERR
	"$PY" -c '
import re, sys
first, last, n = "none", 0, 0
for l in open(sys.argv[1]):
    m = re.search(r"from sequence (\d+)$", l)
    if m and first == "none":
        first = m.group(1)
    m = re.search(r" sequence (\d+) uptime ", l)
    if m:
        n += 1
        last = max(last, int(m.group(1)))
print(first, last, n)' "$1"
}

# counts NAME: what the forwarder ($W/NAME.d.err) and the subscriber
# ($W/NAME.err) said, into pub drops recv lost first last nstats
counts() {
	pub=$(z_stat "$W/$1.d.err" events_published)
	drops=$(z_stat "$W/$1.d.err" output_drops)
	recv=$(z_stat "$W/$1.err" received)
	lost=$(z_stat "$W/$1.err" lost)
	read -r first last nstats < <(sub_seqs "$W/$1.err")
	echo "$1: published $pub, output_drops $drops; received $recv, lost $lost," \
		"first sequence $first, last stats sequence $last ($nstats stats messages)"
}

# --- 1. fast subscriber -------------------------------------------------------
EP="tcp://127.0.0.1:$(free_port)"
z_bg "$BIN/dnstrail-sub" --connect "$EP" --format json -o "$W/fast.json" --rcvhwm 1000000 \
	--timeout 10 -v 2>"$W/fast.err"
SUB=$Z_LAST
sleep 0.3 # the subscriber is up and retrying its connection
"$BIN/dnstrail" --pcap "$W/big.pcap" --publish "$EP" >/dev/null 2>"$W/fast.d.err"
z_wait_exit "$SUB" 30

counts fast
expect_eq "fast: every transaction published" "$pub" $((N + 1))
expect_eq "fast: no output drops" "$drops" 0
expect_eq "fast: subscriber saw the session from sequence 1" "$first" 1
expect_eq "fast: received = published" "$recv" "$pub"
expect_eq "fast: lost" "$lost" 0
expect_eq "fast: received + lost + stats = last sequence" $((recv + lost + nstats)) "$last"
expect_eq "fast: last sequence = published + drops + stats" "$last" $((pub + drops + nstats))
expect_eq "fast: json lines" "$(wc -l <"$W/fast.json")" "$recv"

# --- 2. stalled subscriber ----------------------------------------------------
EP="tcp://127.0.0.1:$(free_port)"
( "$BIN/dnstrail-sub" --connect "$EP" --rcvhwm 10 --timeout 5 -v 2>"$W/slow.err" |
	{ sleep 3; cat >"$W/slow.json"; } ) &
SUB=$!
Z_PIDS+=("$SUB")
sleep 0.3
"$BIN/dnstrail" --pcap "$W/big.pcap" --publish "$EP" >/dev/null 2>"$W/slow.d.err"
z_wait_exit "$SUB" 60

counts slow
expect_eq "stalled: published + drops = transactions" $((pub + drops)) $((N + 1))
expect_eq "stalled: some were dropped (the case is meaningful)" \
	"$([ "$drops" -gt 0 ] && echo yes)" yes
expect_eq "stalled: subscriber saw the session from sequence 1" "$first" 1
expect_eq "stalled: received = published" "$recv" "$pub"
expect_eq "stalled: lost = output_drops" "$lost" "$drops"
expect_eq "stalled: received + lost + stats = last sequence" $((recv + lost + nstats)) "$last"
expect_eq "stalled: json lines" "$(wc -l <"$W/slow.json")" "$recv"

# --- 3. busy subscriber over ipc:// ---------------------------------------------
for i in 1 2 3; do
	EP="ipc://$W/busy-$i.sock"
	z_bg "$BIN/dnstrail-sub" --connect "$EP" --format json -o "$W/busy.json" --rcvhwm 10 \
		--timeout 5 -v 2>"$W/busy.err"
	SUB=$Z_LAST
	sleep 0.3
	"$BIN/dnstrail" --pcap "$W/big.pcap" --publish "$EP" >/dev/null 2>"$W/busy.d.err"
	z_wait_exit "$SUB" 60
	counts busy
	expect_eq "busy ipc:// $i: received = published" "$recv" "$pub"
	expect_eq "busy ipc:// $i: no output drops" "$drops" 0
	expect_eq "busy ipc:// $i: the final stats message arrived" "$last" $((pub + drops + nstats))
	expect_eq "busy ipc:// $i: json lines" "$(wc -l <"$W/busy.json")" "$recv"
	expect_eq "busy ipc:// $i: nothing unread at exit" "$(z_stat "$W/busy.d.err" unread_at_exit)" 0
done

# --- 4. a subscriber that never reads, over ipc:// -------------------------------
EP="ipc://$W/frozen.sock"
cat >"$W/frozen.yaml" <<YAML
pipeline:
  outputs:
    - name: zmq
      publish: [$EP]
      wait_subscribers: 1
      linger: 300ms
YAML
# subscribes, then sleeps: libzmq fills its one-message queue and stops reading
z_bg "$PY" -c 'import sys, time, zmq
s = zmq.Context().socket(zmq.SUB)
s.setsockopt(zmq.RCVHWM, 1)
s.setsockopt(zmq.SUBSCRIBE, b"")
s.connect(sys.argv[1])
time.sleep(60)' "$EP"
start=$(date +%s%N)
"$BIN/dnstrail" --pcap "$W/big.pcap" -c "$W/frozen.yaml" >/dev/null 2>"$W/frozen.d.err"
took_ms=$((($(date +%s%N) - start) / 1000000))
unread=$(z_stat "$W/frozen.d.err" unread_at_exit)
echo "frozen: unread_at_exit $unread bytes, output_drops $(z_stat "$W/frozen.d.err" output_drops)," \
	"the replay took $took_ms ms"
expect_eq "frozen: what the subscriber never took is counted" "$([ "$unread" -gt 0 ] && echo yes)" yes
expect_eq "frozen: exit waited about linger, not more" "$([ "$took_ms" -lt 10000 ] && echo yes)" yes
z_finish
