#!/bin/bash
# Live, kernel side: the BPF programs alone (tests/live/bpf_dump prints every
# ring-buffer record), real dig/kdig queries against NSD between namespaces.
#
#   bpf_capture.sh veth|bridge
#
# Checks: every DNS message is recorded exactly once (veth: each message
# crosses two devices; bridge: four; loopback inside one namespace: lo is
# seen at egress and ingress), UDP and TCP over IPv4 and IPv6, the query's
# pid is dig's and the exec record gives its exe and parent although dig has
# exited, payloads are complete (a 1232-byte UDP response, a 1.6 kB TCP
# response, a TCP response split in chunks by a small snaplen) and exact (UDP
# queries and 101-, 128-, 129- and 1232-byte answers, byte for byte), non-DNS
# ports produce nothing, and all of it after bpf_dump dropped to `nobody`
# without capabilities. Under CI=true, failing to load BPF is a failure.
. "$(dirname "$0")/lib.sh"

MODE=${1:-veth}
BPF_DUMP=${BPF_DUMP:-$DT_BUILD/bin/bpf_dump}
command -v jq >/dev/null || die "jq not installed"
[[ -x "$BPF_DUMP" ]] || die "$BPF_DUMP not built"

dt_setup
case $MODE in
veth) dt_topo_veth ;;
bridge) dt_topo_bridge ;;
*) die "mode: veth or bridge" ;;
esac
dt_start_nsd

# A UDP responder on port 5300 whose answers are exactly as long as the
# query name asks ("pad129.ZONE": 129 bytes; any other name: 1232): the
# question echoed, plus an OPT record padded (EDNS option 12, with non-zero
# bytes, so that a tail left uncopied shows) to the size.
# It logs the client port and an FNV-1a digest of each query and answer, to
# compare with the payloads the kernel side copied.
cat >"$DT_WORK/pad1232.py" <<'EOF'
import re, socket, struct, sys
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return '%016x' % h
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5300))
log = open(sys.argv[2], 'a', buffering=1)
while True:
    q, a = s.recvfrom(4096)
    qid = q[:2]
    # question section: after the 12-byte header up to the end of QNAME + 4
    i = 12
    while q[i] != 0:
        i += q[i] + 1
    question = q[12:i + 5]
    m = re.match(rb'pad(\d+)$', q[13:13 + q[12]])
    size = int(m.group(1)) if m else 1232
    head = qid + b'\x81\x80' + struct.pack('!HHHH', 1, 0, 0, 1)
    base = len(head) + len(question) + 11 + 4
    pad = size - base
    opt = b'\x00' + struct.pack('!HHIH', 41, 4096, 0, pad + 4) + struct.pack('!HH', 12, pad) + b'\x5a' * pad
    r = head + question + opt
    s.sendto(r, a)
    log.write('%d %s %s %d\n' % (a[1], fnv(q), fnv(r), len(r)))
EOF
ip netns exec "$DT_NS_S" python3 "$DT_WORK/pad1232.py" "$DT_S4" "$DT_WORK/pad.log" &
DT_PIDS+=($!)

DUMP_N=0
start_dump() { # ARGS...
	DUMP_N=$((DUMP_N + 1))
	DUMP=$DT_WORK/dump$DUMP_N.txt
	DUMP_ERR=$DT_WORK/dump$DUMP_N.err
	env --default-signal=INT,TERM "$BPF_DUMP" -u nobody -p 53 -p 5300 "$@" >"$DUMP" 2>"$DUMP_ERR" &
	DUMP_PID=$!
	DT_PIDS+=($DUMP_PID)
	for _ in $(seq 100); do
		grep -q ready "$DUMP_ERR" 2>/dev/null && return 0
		kill -0 $DUMP_PID 2>/dev/null || break
		sleep 0.1
	done
	cat "$DUMP_ERR" >&2
	if [[ "${CI:-}" != true ]] && grep -q "needs root\|no BTF" "$DUMP_ERR"; then
		log "SKIP: cannot load BPF here"
		exit $DT_SKIP
	fi
	die "bpf_dump did not start (BPF load failed?)"
}
stop_dump() {
	sleep 0.3 # the tail of a batch: bpf_dump polls every 10 ms
	kill -INT "$DUMP_PID" 2>/dev/null || true
	dt_wait_pid "$DUMP_PID" 10 || flunk "bpf_dump did not stop"
	wait "$DUMP_PID" 2>/dev/null || true
	# our packet lines (this run's subnets: the capture is host-wide) as
	# JSON objects, for jq
	awk -v n4="src=$DT_NET4." -v n6="src=$DT_NET6:" -v d4="dst=$DT_NET4." -v d6="dst=$DT_NET6:" \
		'$1 == "PKT" && (index($0, n4) || index($0, n6) || index($0, d4) || index($0, d6)) {
		printf "{"; sep = "";
		for (i = 2; i <= NF; i++) {
			k = substr($i, 1, index($i, "=") - 1); v = substr($i, index($i, "=") + 1);
			if (v ~ /^[0-9]+$/ && k != "dnsid" && k != "payload" && k != "sum") printf "%s\"%s\":%s", sep, k, v;
			else printf "%s\"%s\":\"%s\"", sep, k, v;
			sep = ",";
		}
		print "}"
	}' "$DUMP" >"$DUMP.json"
}
pkts() { jq -c "select($1)" "$DUMP.json"; }
npkts() { pkts "$1" | wc -l; }
port() { printf '(.sport == %s or .dport == %s)' "$1" "$1"; }

# dig from the client namespace (pid known: see dt_client)
run() { # KEY CMD...
	local key=$1 out=$DT_WORK/$1.out
	shift
	dt_client "$out" "$@"
	[[ $CLIENT_RC == 0 ]] || flunk "$key: $* failed: $(tail -n 3 "$out")"
	eval "PID_$key=$CLIENT_PID PPID_$key=$CLIENT_PPID ID_$key=$(dig_id "$out")"
	eval "RCVD_$key=$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' "$out" | tail -n 1)"
}

# expect_process KEY PORT: the query's record carries dig's pid, and the
# exec/exit records give exe and parent of that (now gone) process.
expect_process() {
	local key=$1 p=$2 pid ppid q exe
	pid=${!3}
	ppid=${!4}
	q=$(pkts "$(port "$p") and .dport != $p and (.flags / 4 | floor) % 2 == 1 and .pid == $pid" | head -n 1)
	[[ -n "$q" ]] && pass "$key: query record from pid $pid (dig) with process identity" ||
		flunk "$key: no query record with pid $pid; got: $(pkts "$(port "$p")" | jq -c '{dir,pid,comm,flags}' | head -3)"
	exe=$(awk -v p="pid=$pid" '$1 == "EXEC" && $2 == p' "$DUMP" | sed -n 's/.* exe=//p' | tail -n 1)
	expect_eq "$key: exec record exe of pid $pid" "$exe" /usr/bin/dig
	expect_eq "$key: exec record ppid of pid $pid" \
		"$(awk -v p="pid=$pid" '$1 == "EXEC" && $2 == p { sub("ppid=", "", $3); print $3 }' "$DUMP" | tail -n 1)" "$ppid"
	expect_eq "$key: exit record of pid $pid" "$(grep -c "^EXIT pid=$pid " "$DUMP")" 1
}

# expect_udp KEY PORT: one query and one response record, same DNS id.
expect_udp() {
	local key=$1 p=$2 id
	id=$(printf '%04x' "${!3}")
	expect_eq "$key: query recorded once" "$(npkts "$(port "$p") and .dport != $p")" 1
	expect_eq "$key: response recorded once" "$(npkts "$(port "$p") and .sport != $p")" 1
	expect_eq "$key: both carry dig's DNS id $id" "$(npkts "$(port "$p") and .dnsid == \"$id\"")" 2
	expect_eq "$key: nothing truncated" "$(npkts "$(port "$p") and (.flags % 4 != 0 or .cap != .orig)")" 0
}

# expect_payload KEY PORT SIZE: the query and the SIZE-byte response to the
# port-5300 responder recorded byte for byte as it received and sent them.
expect_payload() {
	local key=$1 p=$2 size=$3 line qsum rsum rlen
	line=$(awk -v p="$p" '$1 == p' "$DT_WORK/pad.log" | tail -n 1)
	read -r _ qsum rsum rlen <<<"$line"
	expect_eq "$key: the responder answered with $size bytes" "${rlen:-none}" "$size"
	expect_eq "$key: query bytes as received (FNV-1a)" \
		"$(pkts "$(port "$p") and .dport == 5300" | jq -r .sum)" "${qsum:-none}"
	expect_eq "$key: response bytes as sent (FNV-1a)" \
		"$(pkts "$(port "$p") and .sport == 5300" | jq -r .sum)" "${rsum:-none}"
}

# expect_tcp KEY PORT RCVD: no segment twice; the response's bytes add up.
expect_tcp() {
	local key=$1 p=$2 rcvd=$3 dups total
	dups=$(pkts "$(port "$p")" | jq -r '[.sport, .dport, .seq, .cap, .tcpflags] | @tsv' | sort | uniq -d | wc -l)
	expect_eq "$key: no TCP segment recorded twice" "$dups" 0
	expect_eq "$key: one SYN from the client" "$(npkts "$(port "$p") and .dport == 53 and .tcpflags == 2")" 1
	expect_eq "$key: one SYN from the server" "$(npkts "$(port "$p") and .sport == 53 and .tcpflags == 2")" 1
	total=$(pkts "$(port "$p") and .sport == 53" | jq -s 'map(.cap) | add')
	expect_eq "$key: response bytes recorded = 2 + MSG SIZE ($rcvd)" "$total" $((rcvd + 2))
	expect_eq "$key: nothing truncated" "$(npkts "$(port "$p") and .flags % 2 == 1")" 0
}

Z=$DT_ZONE
# Resolve the IPv6 neighbour first: a packet queued for neighbour discovery
# leaves later from softirq context and carries no process (documented).
ip netns exec "$DT_NS_C" dig +tries=3 +timeout=1 -6 "@$DT_S6" "www.$Z" AAAA >/dev/null 2>&1 || true
T_START=$(date +%s)
start_dump
run u4 dig +tries=1 +timeout=3 -b "$DT_C4#40400" "@$DT_S4" "www.$Z" A
run u6 dig +tries=1 +timeout=3 -6 -b "$DT_C6#40401" "@$DT_S6" "www.$Z" AAAA
run t4 dig +tries=1 +timeout=3 +tcp -b "$DT_C4#40402" "@$DT_S4" "txt.$Z" TXT
run t6 dig +tries=1 +timeout=3 +tcp -6 -b "$DT_C6#40403" "@$DT_S6" "big.$Z" A
run k4 kdig +retry=0 +timeout=3 -b "$DT_C4#40406" "@$DT_S4" "mail.$Z" A
run p4 dig +tries=1 +timeout=3 +bufsize=1232 -p 5300 -b "$DT_C4#40405" "@$DT_S4" "pad.$Z" A
# the payload copy's paths: whole words up to 128 bytes, one call past them
run w1 dig +tries=1 +timeout=3 +bufsize=1232 -p 5300 -b "$DT_C4#40408" "@$DT_S4" "pad101.$Z" A
run w2 dig +tries=1 +timeout=3 +bufsize=1232 -p 5300 -b "$DT_C4#40409" "@$DT_S4" "pad128.$Z" A
run w3 dig +tries=1 +timeout=3 +bufsize=1232 -p 5300 -b "$DT_C4#40410" "@$DT_S4" "pad129.$Z" A
# and the tail of a payload that is not whole words: shorter than one (5
# bytes, no DNS header; NSD drops it) and one word and 5 bytes (NSD may answer)
for w in "40411 0102030405" "40412 0a0b0c0d0e0f10111213141516"; do
	read -r p hex <<<"$w"
	ip netns exec "$DT_NS_C" python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.sendto(bytes.fromhex(sys.argv[4]), (sys.argv[3], 53))' "$DT_C4" "$p" "$DT_S4" "$hex"
done
# loopback: the server namespace asking its own address goes over lo
set +e
ip netns exec "$DT_NS_S" dig +tries=1 +timeout=3 -b "$DT_S4#40404" "@$DT_S4" "www.$Z" A >"$DT_WORK/lo.out" 2>&1
ID_lo=$(dig_id "$DT_WORK/lo.out")
# not DNS: UDP and TCP to other ports
ip netns exec "$DT_NS_C" bash -c "echo not-dns >/dev/udp/$DT_S4/5301"
ip netns exec "$DT_NS_C" bash -c "echo not-dns >/dev/tcp/$DT_S4/5301" 2>/dev/null
set -e
stop_dump
T_END=$(date +%s)

log "bpf_dump: $(tail -n 1 "$DUMP_ERR")"
expect_jq "bpf_dump ran as nobody after loading" "$(tail -n 1 "$DUMP_ERR")" '.bpf_dump.uid == 65534'
# packets went to the rings in batches (kernel_batch's default), the quiet
# CPUs' batches written out by their timers, and none of it nested
expect_jq "packets in batches, some written by a CPU's timer, none nested" \
	"$(tail -n 1 "$DUMP_ERR")" \
	'.bpf_dump | .batches > 0 and .batches <= .emitted and .timer_flushes > 0 and .nested == 0'
# (drops are not asserted: the capture is host-wide and other traffic may
# fill the ring; every record of ours is checked below)

expect_udp "udp4" 40400 ID_u4
expect_process "udp4" 40400 PID_u4 PPID_u4
expect_udp "udp6" 40401 ID_u6
expect_process "udp6" 40401 PID_u6 PPID_u6
expect_jq "udp6: addresses" "$(pkts "$(port 40401) and .dport == 53")" ".src == \"$DT_C6\" and .dst == \"$DT_S6\" and .fam == 6"
expect_tcp "tcp4" 40402 "$RCVD_t4"
expect_process "tcp4" 40402 PID_t4 PPID_t4
expect_tcp "tcp6 1.6 kB" 40403 "$RCVD_t6"
expect_process "tcp6" 40403 PID_t6 PPID_t6
expect_udp "kdig" 40406 ID_k4
expect_eq "kdig: query pid" "$(npkts "$(port 40406) and .dport == 53 and .pid == $PID_k4")" 1
expect_udp "loopback" 40404 ID_lo
expect_eq "loopback: both on lo (ifindex 1)" "$(npkts "$(port 40404) and .ifindex == 1")" 2
expect_udp "1232-byte response" 40405 ID_p4
expect_jq "1232-byte response: complete" "$(pkts "$(port 40405) and .sport == 5300")" '.orig == 1232 and .cap == 1232 and .flags % 2 == 0'
expect_payload "1232-byte response" 40405 1232
for w in "w1 40408 101" "w2 40409 128" "w3 40410 129"; do
	read -r k p n <<<"$w"
	expect_udp "$n-byte response" "$p" "ID_$k"
	expect_payload "$n-byte response" "$p" "$n"
done
for w in "40411 0102030405" "40412 0a0b0c0d0e0f10111213141516"; do
	read -r p hex <<<"$w"
	expect_eq "$((${#hex} / 2))-byte datagram recorded once, byte for byte" \
		"$(pkts "$(port "$p") and .dport == 53" | jq -r '"\(.cap) \(.payload)"')" "$((${#hex} / 2)) $hex"
done
expect_eq "port 5301 (not DNS) not recorded" "$(npkts "$(port 5301)")" 0
expect_eq "ingress never carries a process" "$(npkts ".dir == \"in\" and (.pid != 0 or (.flags / 4 | floor) % 2 == 1)")" 0
# every packet record of our namespaces is unique: (flow, seq, id, size)
OURS="(.src | startswith(\"$DT_NET4.\") or startswith(\"$DT_NET6:\"))"
expect_eq "no record twice at all" \
	"$(pkts "$OURS" | jq -r '[.src, .sport, .dst, .dport, .proto, .seq, .dnsid, .orig, .cap, .tcpflags] | @tsv' | sort | uniq -d | wc -l)" 0
expect_jq "timestamps are wall clock (between the capture's start and end)" \
	"$(pkts "$OURS" | jq -s '{first: (map(.ts) | min), last: (map(.ts) | max)}')" \
	".first >= ($T_START - 1) * 1e9 and .last <= ($T_END + 1) * 1e9"

# A small snaplen splits a TCP response into chunks that still add up.
start_dump -s 512
run c6 dig +tries=1 +timeout=3 +tcp -b "$DT_C4#40407" "@$DT_S4" "big.$Z" A
stop_dump
expect_tcp "tcp chunks (snaplen 512)" 40407 "$RCVD_c6"
expect_jq "tcp chunks: the 1.6 kB response took 4 records" \
	"$(pkts "$(port 40407) and .sport == 53 and .cap > 0" | jq -s 'length')" '. == 4'
expect_eq "tcp chunks: consecutive sequence numbers" \
	"$(pkts "$(port 40407) and .sport == 53 and .cap > 0" | jq -s 'sort_by(.seq) | [range(1; length) as $i | .[$i].seq - .[$i - 1].seq - .[$i - 1].cap] | map(select(. != 0)) | length')" 0

dt_finish
