# shellcheck shell=bash
# Harness of the ZeroMQ live tests (tests/live/zmq_*.sh): the real daemon
# replaying generated pcap files (no root, no network: ipc:// and loopback
# endpoints only), dnstrail-sub, dnstrail-broker and the Python subscriber.
# Every process started is killed by pid in the exit trap; the work directory
# goes too (DT_KEEP=1 keeps it).
set -euo pipefail

DT_SRC=${DT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DT_BUILD=${DT_BUILD:-$DT_SRC/build}
BIN=$DT_BUILD/bin
PY=/usr/bin/python3
Z_PIDS=()
Z_FAILS=0
Z_TEST=$(basename "$0" .sh)

for b in dnstrail dnstrail-sub dnstrail-broker; do
	if [ ! -x "$BIN/$b" ]; then
		echo "$Z_TEST: SKIP: $BIN/$b not built"
		exit 77
	fi
done

W=$(mktemp -d "/tmp/dt-$Z_TEST-XXXXXX")

z_cleanup() {
	local p
	for p in "${Z_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${Z_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ "${DT_KEEP:-0}" = 1 ]; then echo "work dir kept: $W"; else rm -rf "$W"; fi
}
trap z_cleanup EXIT

z_bg() { # run in the background, remember the pid in Z_LAST
	"$@" &
	Z_LAST=$!
	Z_PIDS+=("$Z_LAST")
}

z_mkpcap() { # OUT COUNT CLIENT_IP
	"$PY" "$DT_SRC/tests/live/zmq_mkpcap.py" "$@"
}

# A daemon config: replay PCAP, publish/connect ENDPOINT as HOST, waiting for
# WAIT subscriptions first. Extra output keys on stdin.
z_config() { # FILE PCAP publish|connect ENDPOINT HOST WAIT
	{
		printf 'pipeline:\n  inputs:\n    - name: pcap\n      path: %s\n' "$2"
		printf '  outputs:\n    - name: zmq\n      match: "*"\n'
		printf '      %s: [%s]\n      host: %s\n' "$3" "$4" "$5"
		printf '      wait_subscribers: %s\n      wait_timeout: 10s\n' "$6"
		cat
	} >"$1"
}

z_stat() { # FILE KEY: a counter from the last {"..._stats":{...}} line of FILE
	"$PY" -c '
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("{\"dnstrail")][-1]
print(list(json.loads(line).values())[0][sys.argv[2]])' "$1" "$2"
}

z_wait_exit() { # PID SECONDS: wait for a background process to end by itself
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	echo "$Z_TEST: process $1 still running after $2 s" >&2
	return 1
}

z_wait_ready() { # FILE SECONDS: wait for a daemon's "ready:" line (its inputs attached)
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -q '^dnstrail: ready:' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "$Z_TEST: no 'ready:' in $1 after $2 s: $(tail -3 "$1" 2>/dev/null)" >&2
	return 1
}

expect_eq() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok   $1 ($2)"
	else
		echo "FAIL $1: got '$2', want '$3'"
		Z_FAILS=$((Z_FAILS + 1))
	fi
}

z_finish() {
	if [ "$Z_FAILS" -gt 0 ]; then
		echo "$Z_TEST: $Z_FAILS failed"
		exit 1
	fi
	echo "$Z_TEST: all passed"
}
