#!/bin/bash
# A subscriber that cannot keep up: the forwarder's queue (sndhwm) fills,
# sends fail with EAGAIN and are counted in output_drops; each dropped message
# still used its sequence number, so the subscriber proves exactly that many
# lost. The final stats message (sent at exit, bounded by linger) closes the tail.
. "$(dirname "$0")/zmq_lib.sh"

N=20000
z_mkpcap "$W/big.pcap" $N 10.3.0.1
# Loopback TCP: over ipc:// a subscriber whose input is stopped (full
# rcvhwm) takes the publisher's exit as a hang-up and drops what is still in
# the socket buffer (libzmq), which would hide the tail from this count.
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EP="tcp://127.0.0.1:$PORT"
printf '      sndhwm: 50\n      linger: 15s\n      stats_interval: 0\n' |
	z_config "$W/d.yaml" "$W/big.pcap" publish "$EP" slowpub 1

# stdout into a pipe nobody reads for 3 s: the subscriber stalls on write
( "$BIN/dnstrail-sub" --connect "$EP" --rcvhwm 10 --timeout 4 2>"$W/sub.err" |
	{ sleep 3; cat >"$W/sub.json"; } ) &
SUB=$!
Z_PIDS+=("$SUB")

start=$(date +%s.%N)
"$BIN/dnstrail" -c "$W/d.yaml" 2>"$W/d.err"
end=$(date +%s.%N)
z_wait_exit "$SUB" 30

pub=$(z_stat "$W/d.err" events_published)
drops=$(z_stat "$W/d.err" output_drops)
recv=$(z_stat "$W/sub.err" received)
lost=$(z_stat "$W/sub.err" lost)
echo "forwarder: published $pub, output_drops $drops ($(echo "$end - $start" | bc) s);" \
	"subscriber: received $recv, gaps $(z_stat "$W/sub.err" gaps), lost $lost"
expect_eq "published + dropped = transactions" $((pub + drops)) $((N + 1))
expect_eq "some were dropped (the test is meaningful)" "$([ "$drops" -gt 0 ] && echo yes)" yes
expect_eq "subscriber received what was published" "$recv" "$pub"
expect_eq "subscriber lost = forwarder output_drops" "$lost" "$drops"
expect_eq "json lines" "$(wc -l <"$W/sub.json")" "$recv"
z_finish
