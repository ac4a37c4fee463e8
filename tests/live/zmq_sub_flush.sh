#!/bin/bash
# dnstrail-sub writes its lines in large batches (examples/subscriber/
# sub_out.h): they must still reach the file
#  1. while it idles (a user tailing the file): within about a second of
#     the last message, the subscriber still running;
#  2. on SIGTERM and on SIGINT, right after a burst (before the idle flush);
#  3. with --count N: exactly N lines when it exits by itself;
#  and text lines go the same way.
. "$(dirname "$0")/zmq_lib.sh"

N=${ZMQ_SUB_FLUSH_N:-300}
z_mkpcap "$W/a.pcap" "$N" 10.7.0.1

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

lines() { # FILE
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# SUB_ARGS... : start a subscriber, replay the pcap to it, leave it running
replay_to() { # EP OUT.ERR SUB-ARGS...
	local ep=$1 err=$2
	shift 2
	z_bg "$BIN/dnstrail-sub" --connect "$ep" --rcvhwm 100000 "$@" 2>"$err"
	SUB=$Z_LAST
	sleep 0.3
	"$BIN/dnstrail" --pcap "$W/a.pcap" --publish "$ep" >/dev/null 2>"$err.d"
	PUB=$(z_stat "$err.d" events_published)
}

# Wait for a signalled subscriber (at most 5 s); its exit status in RC.
wait_status() { # PID
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	RC=0
	wait "$1" 2>/dev/null || RC=$?
}

# --- 1. idle: lines appear while the subscriber runs --------------------------
EP="tcp://127.0.0.1:$(free_port)"
replay_to "$EP" "$W/idle.err" --format json -o "$W/idle.json"
got=0
for ((i = 0; i < 15; i++)); do # 1.5 s after the publisher is done
	got=$(lines "$W/idle.json")
	[ "$got" = "$PUB" ] && break
	sleep 0.1
done
expect_eq "idle: every line in the file within 1.5 s, subscriber running" \
	"$got/$(kill -0 "$SUB" 2>/dev/null && echo running)" "$PUB/running"
kill -TERM "$SUB"
wait_status "$SUB"
expect_eq "idle: SIGTERM exit status" "$RC" 0
expect_eq "idle: received" "$(z_stat "$W/idle.err" received)" "$PUB"
expect_eq "idle: lines after exit" "$(lines "$W/idle.json")" "$PUB"
"$PY" -c '
import json, sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l)["event"]["dataset"] == "dnstrail.dns")
print(n)' "$W/idle.json" >"$W/idle.n"
expect_eq "idle: every line is one ECS JSON object" "$(cat "$W/idle.n")" "$PUB"

# --- 2. a signal right after a burst: what was received is written ------------
for sig in TERM INT; do
	EP="tcp://127.0.0.1:$(free_port)"
	replay_to "$EP" "$W/sig$sig.err" --format text -o "$W/sig$sig.txt"
	kill -"$sig" "$SUB"
	wait_status "$SUB"
	expect_eq "SIG$sig: exit status" "$RC" 0
	recv=$(z_stat "$W/sig$sig.err" received)
	expect_eq "SIG$sig: lines = received" "$(lines "$W/sig$sig.txt")" "$recv"
	expect_eq "SIG$sig: something was received" "$([ "$recv" -gt 0 ] && echo yes)" yes
done

# --- 3. --count: exactly N lines, exit by itself -----------------------------
EP="tcp://127.0.0.1:$(free_port)"
replay_to "$EP" "$W/count.err" --format json -o "$W/count.json" --count 57
z_wait_exit "$SUB" 10
expect_eq "--count: lines" "$(lines "$W/count.json")" 57
expect_eq "--count: received" "$(z_stat "$W/count.err" received)" 57

# --- 4. stdout: the same lines as -o FILE ---------------------------------------
EP="tcp://127.0.0.1:$(free_port)"
replay_to "$EP" "$W/stdout.err" --format json --count "$PUB" -o - >"$W/stdout.json"
z_wait_exit "$SUB" 10
expect_eq "stdout: same bytes as the file" \
	"$(cmp -s "$W/stdout.json" "$W/idle.json" && echo same)" same

z_finish
