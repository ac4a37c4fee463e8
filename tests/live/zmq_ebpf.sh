#!/bin/bash
# Live capture (root): a process sends DNS queries to 127.0.0.1:53 (nobody
# answers: timeouts, no server needed, nothing leaves the machine); the
# daemon's own --stdout json and dnstrail-sub's json are byte-identical for
# them, process details included, and the dnstap file carries the process in
# `extra`. The host's other DNS traffic is captured too: whatever the daemon
# published reached the subscriber.
. "$(dirname "$0")/zmq_lib.sh"

if ((EUID != 0)); then
	echo "$Z_TEST: SKIP: needs root for the eBPF input"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi

EP="ipc://$W/pub.sock"
cat >"$W/d.yaml" <<EOC
pipeline:
  inputs:
    - name: ebpf
  outputs:
    - name: zmq
      match: "*"
      publish: [$EP]
      wait_subscribers: 2
      wait_timeout: 10s
      sndhwm: 1000000
EOC
z_bg "$BIN/dnstrail-sub" --connect "$EP" -o "$W/sub.json" --timeout 8 --rcvhwm 1000000 2>"$W/sub.err"
S1=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --format dnstap -o "$W/sub.tap" --timeout 8 \
	--rcvhwm 1000000 2>"$W/tap.err"
S2=$Z_LAST
z_bg "$BIN/dnstrail" -c "$W/d.yaml" --stdout=json --duration 6 >"$W/daemon.json" 2>"$W/daemon.err"
D=$Z_LAST
# queries before the programs are attached would not be seen: wait for
# "ready" (loading takes 1-2 s, more on a busy machine), not a fixed time
expect_eq "daemon ready" "$(z_wait_ready "$W/daemon.err" 30 && echo yes)" yes
"$PY" - <<'EOP'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i, name in enumerate((b"zmq-ebpf-one", b"zmq-ebpf-two", b"zmq-ebpf-three")):
    q = struct.pack("!HHHHHH", 0x5150 + i, 0x0100, 1, 0, 0, 0)
    q += bytes([len(name)]) + name + b"\x08dnstrail\x04test\x00" + struct.pack("!HH", 1, 1)
    s.sendto(q, ("127.0.0.1", 53))
EOP
z_wait_exit "$D" 20
z_wait_exit "$S1" 20
z_wait_exit "$S2" 20

mine=$(grep -c 'zmq-ebpf-' "$W/daemon.json" || true)
expect_eq "daemon saw our queries" "$mine" 3
expect_eq "subscriber json byte-identical for them" \
	"$(cmp -s <(grep 'zmq-ebpf-' "$W/daemon.json") <(grep 'zmq-ebpf-' "$W/sub.json") && echo yes)" yes
expect_eq "process attributed" "$(grep 'zmq-ebpf-one' "$W/sub.json" | grep -c '"name":"python3"')" 1
expect_eq "subscriber received all published" "$(z_stat "$W/sub.err" received)" \
	"$(z_stat "$W/daemon.err" events_published)"
expect_eq "dnstap extra names the process" \
	"$(strings "$W/sub.tap" | grep -c '"process":"python3"' || true)" 3
z_finish
