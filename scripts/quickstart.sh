#!/bin/bash
# Quick start: install what is needed, build, run the forwarder publishing
# on loopback and the sample subscriber printing this host's DNS
# transactions as text. Ctrl-C stops both.
#   sudo scripts/quickstart.sh [extra dnstrail options]
set -euo pipefail
cd "$(dirname "$0")/.."

if ((EUID != 0)); then
	echo "quickstart: run as root (sudo $0): installing packages and attaching eBPF programs need it" >&2
	exit 1
fi
scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"

endpoint=${DNSTRAIL_ENDPOINT:-tcp://127.0.0.1:5556}
# the default signal dispositions, so Ctrl-C / SIGINT reach the background job
env --default-signal=INT,TERM build/bin/dnstrail --publish "$endpoint" "$@" &
forwarder=$!
stop() {
	trap - EXIT INT TERM
	if kill -0 "$forwarder" 2>/dev/null; then
		kill -INT "$forwarder" 2>/dev/null || true
		wait "$forwarder" || true
	fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sleep 1
if ! kill -0 "$forwarder" 2>/dev/null; then
	wait "$forwarder" || true
	echo "quickstart: dnstrail did not start (see above)" >&2
	exit 1
fi
echo "quickstart: dnstrail publishes on $endpoint; printing transactions (Ctrl-C to stop)" >&2
build/bin/dnstrail-sub --connect "$endpoint" --format text || true
