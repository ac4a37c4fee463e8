#!/bin/bash
# Restarts. The forwarder restarts under a running subscriber: libzmq
# reconnects, the new session id reads as a restart (a second publisher),
# not as loss. The subscriber restarts between two runs: the new one
# reconnects and gets the whole second run.
. "$(dirname "$0")/zmq_lib.sh"

N=100
EP="ipc://$W/pub.sock"
z_mkpcap "$W/a.pcap" $N 10.4.0.1
z_mkpcap "$W/b.pcap" $N 10.4.0.2
z_config "$W/a.yaml" "$W/a.pcap" publish "$EP" restarter 1 </dev/null
z_config "$W/b.yaml" "$W/b.pcap" publish "$EP" restarter 1 </dev/null

# 1. forwarder restart under one subscriber
z_bg "$BIN/dnstrail-sub" --connect "$EP" -o "$W/sub.json" --timeout 5 -v 2>"$W/sub.err"
SUB=$Z_LAST
"$BIN/dnstrail" -c "$W/a.yaml" 2>"$W/a.err"
"$BIN/dnstrail" -c "$W/b.yaml" 2>"$W/b.err"
z_wait_exit "$SUB" 20
expect_eq "received across the restart" "$(z_stat "$W/sub.err" received)" $((2 * (N + 1)))
expect_eq "two sessions" "$(z_stat "$W/sub.err" publishers)" 2
expect_eq "no loss claimed" "$(z_stat "$W/sub.err" lost)" 0
expect_eq "sessions announced" "$(grep -c 'publisher restarter session' "$W/sub.err")" 2

# 2. subscriber restart: the first stops after 10 events, a new one takes over
z_bg "$BIN/dnstrail-sub" --connect "$EP" --count 10 -o "$W/s1.json" 2>"$W/s1.err"
S1=$Z_LAST
"$BIN/dnstrail" -c "$W/a.yaml" 2>"$W/a2.err"
z_wait_exit "$S1" 10
expect_eq "first subscriber stopped at --count" "$(wc -l <"$W/s1.json")" 10
z_bg "$BIN/dnstrail-sub" --connect "$EP" --timeout 3 -o "$W/s2.json" 2>"$W/s2.err"
S2=$Z_LAST
"$BIN/dnstrail" -c "$W/b.yaml" 2>"$W/b2.err"
z_wait_exit "$S2" 10
expect_eq "second subscriber got the next run" "$(z_stat "$W/s2.err" received)" $((N + 1))
expect_eq "second subscriber lost" "$(z_stat "$W/s2.err" lost)" 0

# 3. the other way round: the subscriber binds, the forwarder connects to it
BEP="ipc://$W/sub.sock"
z_config "$W/c.yaml" "$W/a.pcap" connect "$BEP" dialer 1 </dev/null
z_bg "$BIN/dnstrail-sub" --bind "$BEP" --timeout 3 -o "$W/s3.json" 2>"$W/s3.err"
S3=$Z_LAST
"$BIN/dnstrail" -c "$W/c.yaml" 2>"$W/c.err"
z_wait_exit "$S3" 10
expect_eq "--bind subscriber received" "$(z_stat "$W/s3.err" received)" $((N + 1))
z_finish
