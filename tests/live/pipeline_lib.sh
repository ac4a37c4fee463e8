# shellcheck shell=bash
# Shared bits of the daemon tests (tests/live/pipeline_*.sh): paths, a work
# directory and a cleanup trap, non-stopping assertions, starting/stopping
# dnstrail. Traffic stays on loopback (pipeline_dns.py) or comes from pcap
# files written by pipeline_mkpcap.py; the system resolver is never asked.
set -euo pipefail

DT_SRC=${DT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DT_BUILD=${DT_BUILD:-$DT_SRC/build}
DNSTRAIL=${DNSTRAIL:-$DT_BUILD/bin/dnstrail}
HERE=$DT_SRC/tests/live
T=$(basename "$0" .sh)
W=$(mktemp -d /tmp/dt-$T.XXXXXX)
chmod 1777 "$W" # tests run parts as nobody
PIDS=()
FAILS=0
# ports unique to this run, away from the defaults and below the ephemeral
# range (32768-60999), where another socket's source port could hold them
PORT_BASE=$((20000 + ($$ % 12000)))

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "${DT_KEEP:-0}" = 1 ] || [ "$FAILS" != 0 ]; then echo "work dir kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

pass() { printf 'ok   - %s\n' "$*"; }
flunk() { FAILS=$((FAILS + 1)); printf 'FAIL - %s\n' "$*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else flunk "$what"; fi; }
eq() { local what=$1 got=$2 want=$3; if [ "$got" = "$want" ]; then pass "$what ($got)"; else flunk "$what: got '$got', want '$want'"; fi; }
finish() { if [ "$FAILS" = 0 ]; then echo "PASS $T"; exit 0; fi; echo "FAILED $T: $FAILS"; exit 1; }

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP $T: needs root"
		[ "${CI:-}" = true ] && exit 1
		exit 77
	fi
}

# A counter of the final {"dnstrail_stats":{...}} line in a stderr file.
stat_of() { python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{\"dnstrail_stats\""):
        print(json.loads(line)["dnstrail_stats"][sys.argv[2]])
' "$1" "$2"; }

# Wait until a command succeeds (up to $1 tenths of a second).
wait_for() { local n=$1; shift; while ! "$@" 2>/dev/null; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }

# Start the loopback DNS responder of pipeline_dns.py on port $1.
start_responder() {
	python3 "$HERE/pipeline_dns.py" serve "$1" &
	PIDS+=($!)
}
