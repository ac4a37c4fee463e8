# SPDX-License-Identifier: MIT
# Peer capture tools run beside dnsperf for context (sourced by overhead.sh).
# Each captures on the server end of the veth, which carries every bench
# packet exactly once. dtb_peer_start NAME / dtb_peer_stop NAME; the stop
# sets PEER_CAPTURED (DNS messages the peer got) or "?", and PEER_EXTRA (a
# note for the table, may be empty).
#
# The dnstrail-* peers (but dnstrail-bpf*) are dnstrail itself with one setting changed, and
# dnstrail-sub writing the same JSON: the default against that setting,
# alternated in one run.
#   dnstrail-batch        the zmq output's opt-in batch: $DTB_PEER_BATCH (64)
#                         events per ZeroMQ message
#   dnstrail-shared-ring  ring_per_cpu: false (one ring buffer for all CPUs)
#   dnstrail-ipc          publishing on a Unix socket ($DTB_PEER_IPC) instead of
#                         TCP loopback: what a subscriber on the same host can use
#   dnstrail-lean         both: the Unix socket and batch: $DTB_PEER_BATCH, the
#                         cheapest same-host set-up (no topic filtering)
#   dnstrail-nowire       include_wire: false: events without the raw DNS
#                         messages (a third smaller; no dnstap downstream)
#
# Two more take dnstrail apart, to show what each stage costs the host:
#   dnstrail-bpf          the kernel side only: the same BPF programs and ring
#                         buffers, read by bpf_dump -q, which counts records
#                         and does nothing else (no decoding, no output); it
#                         watches port $DTB_PEER_PORT (53)
#   dnstrail-nosub        the daemon publishing with no subscriber connected:
#                         everything up to zmq_send(), which then discards
# And two that take the kernel side itself apart (beside dnstrail-bpf):
#   bpf-empty             empty programs on the same two tracepoints
#                         (bench/bpf_floor.bpf.c): the tracepoints' dispatch
#                         alone, with no work in the programs
#   dnstrail-bpf-filter   dnstrail's programs watching port $DTB_PEER_NOPORT (9,
#                         discard), which no bench packet uses: every packet
#                         takes the early exit of a non-DNS packet, and
#                         nothing is recorded

dtb_peer_start()
{
	local name=$1
	DTB_PEER_ERR="$DTB_WORK/peer-$name.err"
	DTB_PEER_OUT="$DTB_WORK/peer-$name.out"
	case "$name" in
	tshark-pcap)
		DTB_PEER_OUT="$DTB_WORK/peer-$name.pcap"
		ip netns exec "$DTB_NS_S" $(dtb_pin "${DTB_CPUS:-}") tshark -n -q -i dtb-s -f "udp port 53" -F pcap \
			-w "$DTB_PEER_OUT" 2>"$DTB_PEER_ERR" &
		;;
	tshark-decode)
		ip netns exec "$DTB_NS_S" $(dtb_pin "${DTB_CPUS:-}") tshark -n -l -i dtb-s -f "udp port 53" -T fields \
			-e frame.time_epoch -e ip.src -e udp.srcport -e dns.id \
			-e dns.qry.name -e dns.qry.type -e dns.flags.rcode -e dns.a \
			>"$DTB_PEER_OUT" 2>"$DTB_PEER_ERR" &
		;;
	dnscap)
		# -g: dig-style decode of every message, on stderr
		ip netns exec "$DTB_NS_S" $(dtb_pin "${DTB_CPUS:-}") dnscap -N -p -i dtb-s -g \
			>/dev/null 2>"$DTB_PEER_OUT" &
		;;
	dnstrail-batch | dnstrail-shared-ring | dnstrail-nosub | dnstrail-ipc | dnstrail-lean | \
		dnstrail-nowire)
		local conf=() endpoint=${DTB_ENDPOINT:-}
		case "$name" in
		dnstrail-ipc | dnstrail-lean)
			DTB_ENDPOINT=${DTB_PEER_IPC:-ipc:///run/dtbench-peer.sock} ;;
		esac
		case "$name" in
		dnstrail-batch | dnstrail-lean)
			printf 'pipeline:\n  outputs:\n    - name: zmq\n      batch: %s\n' \
				"${DTB_PEER_BATCH:-64}" >"$DTB_WORK/$name.yaml"
			conf=(-c "$DTB_WORK/$name.yaml") ;;
		dnstrail-shared-ring)
			printf 'pipeline:\n  inputs:\n    - name: ebpf\n      ring_per_cpu: false\n' \
				>"$DTB_WORK/$name.yaml"
			conf=(-c "$DTB_WORK/$name.yaml") ;;
		dnstrail-nowire)
			printf 'pipeline:\n  outputs:\n    - name: zmq\n      include_wire: false\n' \
				>"$DTB_WORK/$name.yaml"
			conf=(-c "$DTB_WORK/$name.yaml") ;;
		esac
		dtb_daemon_start "$name" "${conf[@]}"
		[ "$name" = dnstrail-nosub ] || dtb_sub_start "$name" "$DTB_PEER_OUT"
		DTB_ENDPOINT=$endpoint
		DTB_PEER_PID=$DTB_DAEMON_PID
		PEER_CPU0=$(dtb_cpu "$DTB_DAEMON_PID")
		[ "$name" = dnstrail-nosub ] || PEER_SUB_CPU0=$(dtb_cpu "$DTB_SUB_PID")
		return 0
		;;
	dnstrail-bpf | dnstrail-bpf-filter)
		[ -x "$DTB_BUILD/bin/bpf_dump" ] ||
			dtb_die "peer $name needs $DTB_BUILD/bin/bpf_dump (a build with the tests)"
		local port=${DTB_PEER_PORT:-53}
		[ "$name" = dnstrail-bpf-filter ] && port=${DTB_PEER_NOPORT:-9}
		$(dtb_pin "${DTB_CPUS:-}") "$DTB_BUILD/bin/bpf_dump" -q -p "$port" >/dev/null 2>"$DTB_PEER_ERR" &
		;;
	bpf-empty)
		dtb_build_floor ||
			dtb_die "peer bpf-empty needs clang and libbpf-dev: $(head -3 "$DTB_WORK/bpf_floor-build.err")"
		"$DTB_WORK/bpf_floor" "$DTB_WORK/bpf_floor.bpf.o" --hold >/dev/null 2>"$DTB_PEER_ERR" &
		;;
	*)
		dtb_die "unknown peer $name"
		;;
	esac
	DTB_PEER_PID=$!
	DTB_PIDS+=($DTB_PEER_PID)
	# ready when it says so (tshark, bpf_dump, bpf_floor); dnscap says
	# nothing: give it a second. A peer that exits, or stays silent for 10 s,
	# would measure nothing: that ends the run.
	local i
	for i in $(seq 1 100); do
		[ "$name" = dnscap ] && [ "$i" -gt 10 ] && break
		grep -q "Capturing on\|bpf_dump: ready\|bpf_floor: ready" "$DTB_PEER_ERR" 2>/dev/null && break
		kill -0 "$DTB_PEER_PID" 2>/dev/null || dtb_die "peer $name exited: $(head -3 "$DTB_PEER_ERR")"
		[ "$i" = 100 ] && dtb_die "peer $name not ready after 10 s: $(head -3 "$DTB_PEER_ERR")"
		sleep 0.1
	done
	sleep 0.3
}

dtb_peer_stop()
{
	local name=$1 i
	PEER_EXTRA=
	if [[ "$name" == dnstrail-* ]] && [[ "$name" != dnstrail-bpf* ]]; then
		dtb_wait_idle "$DTB_DAEMON_PID" # its backlog is part of the bill
		local cpu1 tx drops sub_cpu1=
		cpu1=$(dtb_cpu "$DTB_DAEMON_PID")
		if [ "$name" != dnstrail-nosub ]; then
			dtb_wait_idle "$DTB_SUB_PID"
			sub_cpu1=$(dtb_cpu "$DTB_SUB_PID")
		fi
		dtb_daemon_stop
		tx=$(dtb_stat "$DTB_DAEMON_STATS" transactions)
		drops=$(dtb_stat "$DTB_DAEMON_STATS" kernel_drops)
		if [ "$name" = dnstrail-nosub ]; then
			PEER_CAPTURED=$((2 * tx)) # nobody receives: what the daemon matched
		else
			dtb_sub_wait
			eval "$(dtb_analyze "$DTB_PEER_OUT" | sed 's/^/P_/')"
			PEER_CAPTURED=$((2 * ${P_status_ok:-0})) # the bench's transactions, two messages each
			drops="$drops/$(dtb_stat "$DTB_DAEMON_STATS" output_drops)/$(dtb_stat "$DTB_SUB_STATS" lost)"
			rm -f "$DTB_PEER_OUT"
		fi
		PEER_EXTRA="cpu/100k $(dtb_cpu100k "$PEER_CPU0" "$cpu1" "$tx")"
		[ -n "$sub_cpu1" ] &&
			PEER_EXTRA="$PEER_EXTRA, dnstrail-sub $(dtb_cpu100k "$PEER_SUB_CPU0" "$sub_cpu1" "$tx")"
		PEER_EXTRA="$PEER_EXTRA drops $drops"
		return 0
	fi
	kill -INT "$DTB_PEER_PID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$DTB_PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$DTB_PEER_PID" 2>/dev/null
	wait "$DTB_PEER_PID" 2>/dev/null
	case "$name" in
	tshark-pcap)
		PEER_CAPTURED=$(dtb_pcap_count "$DTB_PEER_OUT" 2>/dev/null)
		;;
	tshark-decode)
		PEER_CAPTURED=$(wc -l <"$DTB_PEER_OUT")
		;;
	dnscap)
		# one header line per message: "[len] date [idx src dst] dns OP,..."
		PEER_CAPTURED=$(grep -c $'^\tdns ' "$DTB_PEER_OUT" 2>/dev/null)
		;;
	bpf-empty)
		PEER_CAPTURED=0 # records nothing, by design
		;;
	dnstrail-bpf | dnstrail-bpf-filter)
		# packet records the programs wrote: one per DNS message (none
		# for the filter, whose port no bench packet uses)
		PEER_CAPTURED=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    if l.startswith("{\"bpf_dump\""):
        d = json.loads(l)["bpf_dump"]; print(d["emitted"]); print(d["drops"], file=sys.stderr)' \
			"$DTB_PEER_ERR" 2>"$DTB_WORK/bpf-drops")
		PEER_EXTRA="kernel drops $(cat "$DTB_WORK/bpf-drops" 2>/dev/null)"
		;;
	esac
	: "${PEER_CAPTURED:=?}"
	rm -f "$DTB_PEER_OUT"
}
