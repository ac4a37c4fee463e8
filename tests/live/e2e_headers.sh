#!/bin/bash
# Live: packets whose headers are not where the common path reads them.
# 1. Queries whose IP and UDP headers reach netif_receive_skb in a page
#    fragment, as from a NIC driver that builds skbs from fragments with GRO
#    off. A tap device with IFF_NAPI_FRAGS (tests/live/tap_frags.py) delivers
#    them to NSD; the BPF program reads their headers through a copy
#    (dt_parse_copy). UDP over IPv4 and IPv6 (with a hop-by-hop extension
#    header too; sent whole, or as two IP fragments) and TCP over IPv4 (a
#    handshake the helper scripts) are captured as transactions.
# 2. Queries whose 802.1Q (or 802.1ad + 802.1Q) tags are still in the frame
#    at netif_receive_skb, as from a NIC without receive VLAN offload: the
#    program reads past them (dt_vlan), in the linear area or in a fragment.
# 3. Queries written whole, Ethernet header included, to a packet socket
#    (tests/live/packet_send.py), as a scanner would: recorded once, at
#    egress, with the process that wrote them.
# 4. A query, and answers, whose later IP fragment arrives before its
#    first: the kernel side cannot tell it is DNS and lets it by, so the
#    datagram cannot be completed. The first fragment's record says so
#    (DT_EV_FRAG_MISSED): userspace gives the datagram up at once, not after
#    its 2 s timeout, and counts it (ip_fragments_missed, ip_reassembly_drops).
#    One transaction each, the cut message flagged truncated.
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_veth
dt_start_nsd

# the tap, on the server's side, with a network of its own
TAP=tapnl
TAP4=172.31.$((DT_ID & 255)).1
PEER4=172.31.$((DT_ID & 255)).2
TAP6=fd00:d8:$(printf '%x' $((DT_ID & 0xffff)))::1
PEER6=fd00:d8:$(printf '%x' $((DT_ID & 0xffff)))::2
PEER_MAC=02:00:00:00:00:02
coproc TAPC { ip netns exec "$DT_NS_S" python3 "$DT_SRC/tests/live/tap_frags.py" "$TAP" 2>&1; }
DT_PIDS+=("$TAPC_PID") # the tap lives as long as this helper
read -r -t 10 line <&"${TAPC[0]}" || true
[[ "$line" == ready ]] || die "tap_frags.py did not start: '$line'"
ip -n "$DT_NS_S" link set "$TAP" up
ip -n "$DT_NS_S" addr add "$TAP4/24" dev "$TAP"
ip -n "$DT_NS_S" addr add "$TAP6/64" dev "$TAP" nodad
# NSD's answers go back out of the tap without waiting for ARP/ND
ip -n "$DT_NS_S" neigh add "$PEER4" lladdr "$PEER_MAC" dev "$TAP" nud permanent
ip -n "$DT_NS_S" neigh add "$PEER6" lladdr "$PEER_MAC" dev "$TAP" nud permanent
ip netns exec "$DT_NS_S" sysctl -q -w "net.ipv4.conf.$TAP.rp_filter=0" "net.ipv4.conf.all.rp_filter=0"
# with GRO on, GRO itself pulls the headers into the linear area
ip netns exec "$DT_NS_S" ethtool -K "$TAP" gro off
expect_eq "GRO is off on the tap" \
	"$(ip netns exec "$DT_NS_S" ethtool -k "$TAP" | sed -n 's/^generic-receive-offload: \([a-z]*\).*/\1/p')" off

dt_start

# tap_send FAMILY SRC DST SPORT DPORT ID NAME QTYPE: one query through the tap
tap_send() {
	local reply
	printf '%s %s %s %s %s %s %s %s %s\n' "$1" "$PEER_MAC" "$2" "$3" "$4" "$5" "$6" "$7" "$8" >&"${TAPC[1]}"
	read -r -t 10 reply <&"${TAPC[0]}" || true
	[[ "$reply" == sent* ]] || die "tap_frags.py did not send: '$reply'"
}
Z=$DT_ZONE
tap_send 4 "$PEER4" "$DT_S4" 41001 53 4101 "www.$Z" 1
tap_send 6 "$PEER6" "$DT_S6" 41002 53 4102 "www.$Z" 28
tap_send 6hbh "$PEER6" "$DT_S6" 41003 53 4103 "www.$Z" 28
# the first fragment of a datagram whose rest never comes: NSD never sees it
tap_send 6frag "$PEER6" "$DT_S6" 41007 53 4107 "www.$Z" 28
# queries as two IP fragments, each with its headers in a page fragment
tap_send 4split "$PEER4" "$DT_S4" 41008 53 4108 "www.$Z" 1
tap_send 6split "$PEER6" "$DT_S6" 41009 53 4109 "www.$Z" 28
# ... and one whose later fragment comes first
tap_send 4splitrev "$PEER4" "$DT_S4" 41012 53 4112 "www.$Z" 1
# ... and the other way: dig's queries out of the tap, each answer's later
# fragment first (the tap's helper answers as the server $PEER4 / $PEER6)
for f in "4 $PEER4 $TAP4 rev4" "6 $PEER6 $TAP6 rev6"; do
	read -r fam server client name <<<"$f"
	printf 'answer%ssplitrev %s %s %s 53 0 0 - 0\n' "$fam" "$PEER_MAC" "$server" "$client" >&"${TAPC[1]}"
	ip netns exec "$DT_NS_S" dig +tries=1 +time=5 +noedns -b "$client" "@$server" "$name.$Z" A \
		>"$DT_WORK/$name.out" 2>&1 || true
	read -r -t 10 reply <&"${TAPC[0]}" || true
	[[ "$reply" == sent* ]] || die "tap_frags.py did not answer over IPv$fam: '$reply'"
	expect_eq "IPv$fam: dig got the answer sent as two fragments, the later first" \
		"$(grep -c 'IN[[:space:]]*A[[:space:]]*192\.0\.2\.77' "$DT_WORK/$name.out")" 1
done
# TCP: handshake, query and answer, every frame from the peer in a fragment
tap_send tcp4 "$PEER4" "$DT_S4" 41006 53 4106 "www.$Z" 1
# 802.1Q / 802.1ad tags left in the frame, as by a NIC without receive VLAN
# offload: read past at ingress. No VLAN device takes them (this kernel has
# no 802.1Q support at all), so they come out as unanswered queries.
tap_send 4vlan "$PEER4" "$TAP4" 41020 53 4120 "vlan4.$Z" 1
tap_send 6vlan "$PEER6" "$TAP6" 41021 53 4121 "vlan6.$Z" 28
tap_send 4qinq "$PEER4" "$TAP4" 41022 53 4122 "qinq.$Z" 1
# ... and the same with the tags in a page fragment too
tap_send 4vlan-paged "$PEER4" "$TAP4" 41023 53 4123 "vlanpg.$Z" 1
tap_send 4qinq-paged "$PEER4" "$TAP4" 41024 53 4124 "qinqpg.$Z" 1
# not a watched port: ends at the first look, neither recorded nor counted
tap_send 4 "$PEER4" "$DT_S4" 41004 5300 4104 "www.$Z" 1
tap_send 6 "$PEER6" "$DT_S6" 41005 5300 4105 "www.$Z" 28
# what the veth path sees in the same run: the usual linear packets
dt_dig veth 0 "@$DT_S4" "txt.$Z" TXT
# whole frames through a packet socket on the client's veth
S_MAC=$(ip -n "$DT_NS_S" -j link show vs | jq -r '.[0].address')
for f in "4 $DT_C4 $DT_S4 41010 4110 1" "6 $DT_C6 $DT_S6 41011 4111 28"; do
	read -r fam src dst sport id qtype <<<"$f"
	dt_client "$DT_WORK/raw-$fam.out" python3 "$DT_SRC/tests/live/packet_send.py" vc "$S_MAC" \
		"$fam" "$src" "$dst" "$sport" 53 "$id" "www.$Z" "$qtype"
	[[ $CLIENT_RC == 0 ]] || die "packet_send.py: $(cat "$DT_WORK/raw-$fam.out")"
	PID["raw$fam"]=$CLIENT_PID
	PPID_["raw$fam"]=$CLIENT_PPID
done
sleep 1
dt_stop INT

tap_q() { printf '.source.ip == "%s" and .source.port == %s' "$1" "$2"; }
mapfile -t EV < <(jq -cR "fromjson? | objects | select(.event)" "$DT_OUT" 2>/dev/null |
	jq -c "select(.source.ip == \"$PEER4\" or .source.ip == \"$PEER6\" or .destination.ip == \"$PEER4\" or .destination.ip == \"$PEER6\")")
dt_expect_all_json
dt_expect_stats

check_tap_event() {
	local desc=$1 src=$2 sport=$3 id=$4 qtype=$5 data=$6 fam=$7 transport=${8:-udp} rec n
	n=$(printf '%s\n' "${EV[@]}" | jq -c "select($(tap_q "$src" "$sport"))" | grep -c . || true)
	if [[ "$n" == 1 ]]; then
		pass "$desc: exactly one event"
	else
		flunk "$desc: expected exactly one event, got $n"
	fi
	rec=$(printf '%s\n' "${EV[@]}" | jq -c "select($(tap_q "$src" "$sport"))" | head -n 1)
	dt_expect_answered "$desc" "$rec"
	expect_val "$desc: dns.id" "$rec" '.dns.id' "$id"
	expect_val "$desc: question" "$rec" '.dns.question | {name, type}' "{\"name\":\"www.$Z\",\"type\":\"$qtype\"}"
	expect_val "$desc: answer data" "$rec" '[.dns.answers[] | .data]' "[\"$data\"]"
	expect_val "$desc: network.type" "$rec" '.network.type' "\"$fam\""
	expect_val "$desc: network.transport" "$rec" '.network.transport' "\"$transport\""
	expect_val "$desc: destination.port" "$rec" '.destination.port' 53
	# the query's bytes sat in a page fragment: the record says so
	expect_jq "$desc: dnstrail.flags has nonlinear" "$rec" \
		'(.dnstrail.flags // []) | index("nonlinear") != null' '.dnstrail.flags'
}
check_tap_event "A www, IPv4 headers in a fragment" "$PEER4" 41001 4101 A 192.0.2.1 ipv4
check_tap_event "AAAA www, IPv6 headers in a fragment" "$PEER6" 41002 4102 AAAA 2001:db8::1 ipv6
check_tap_event "A www over TCP, IPv4 headers in a fragment" "$PEER4" 41006 4106 A 192.0.2.1 ipv4 tcp
check_tap_event "AAAA www, IPv6 and hop-by-hop headers in a fragment" "$PEER6" 41003 4103 AAAA 2001:db8::1 ipv6
check_tap_event "A www as two IPv4 fragments, headers in page fragments" "$PEER4" 41008 4108 A 192.0.2.1 ipv4
check_tap_event "AAAA www as two IPv6 fragments, headers in page fragments" "$PEER6" 41009 4109 AAAA 2001:db8::1 ipv6

# what was seen of it: a query cut short, never answered (NSD never got it)
n=$(printf '%s\n' "${EV[@]}" | jq -c "select($(tap_q "$PEER6" 41007))" | grep -c . || true)
expect_eq "IPv6 first fragment alone: one event" "$n" 1
rec=$(printf '%s\n' "${EV[@]}" | jq -c "select($(tap_q "$PEER6" 41007))" | head -n 1)
expect_val "... unanswered" "$rec" '.dnstrail.status' '"timeout"'
expect_val "... dns.id" "$rec" '.dns.id' 4107
expect_jq "... flagged query_truncated and nonlinear" "$rec" \
	'(.dnstrail.flags // []) | (index("query_truncated") != null and index("nonlinear") != null)' '.dnstrail.flags'
# the query whose later fragment came first: its first fragment (all the
# kernel side could record), given up at once, and NSD's answer, one transaction
sel=$(tap_q "$PEER4" 41012)
n=$(printf '%s\n' "${EV[@]}" | jq -c "select($sel)" | grep -c . || true)
expect_eq "later fragment first: one event" "$n" 1
rec=$(printf '%s\n' "${EV[@]}" | jq -c "select($sel)" | head -n 1)
expect_val "... the query answered" "$rec" '{type: .dns.type, id: .dns.id, data: [.dns.answers[]? | .data]}' \
	'{"type":"answer","id":4112,"data":["192.0.2.1"]}'
expect_jq "... neither an orphan nor a timeout" "$rec" \
	'.dnstrail.status != "orphan_response" and .dnstrail.status != "timeout"' '.dnstrail.status'
expect_jq "... the query flagged query_truncated" "$rec" \
	'(.dnstrail.flags // []) | index("query_truncated") != null' '.dnstrail.flags'
# the answers whose later fragment came first: the first fragment and the
# query, one transaction each, the answer flagged truncated
for f in "ipv4 $PEER4 rev4" "ipv6 $PEER6 rev6"; do
	read -r nettype server name <<<"$f"
	sel='.destination.ip == "'$server'" and .dns.question.name == "'$name.$Z'"'
	n=$(printf '%s\n' "${EV[@]}" | jq -c "select($sel)" | grep -c . || true)
	expect_eq "$nettype: answer's later fragment first: one event" "$n" 1
	rec=$(printf '%s\n' "${EV[@]}" | jq -c "select($sel)" | head -n 1)
	expect_val "... an answer to dig's query" "$rec" \
		'{type: .dns.type, name: .process.name, net: .network.type}' \
		'{"type":"answer","name":"dig","net":"'$nettype'"}'
	expect_jq "... neither an orphan nor a timeout" "$rec" \
		'.dnstrail.status != "orphan_response" and .dnstrail.status != "timeout"' '.dnstrail.status'
	expect_jq "... the answer flagged response_truncated" "$rec" \
		'(.dnstrail.flags // []) | index("response_truncated") != null' '.dnstrail.flags'
done
last=$(tail -n 1 "$DT_ERR")
# the two split queries, the lone first fragment, the three first fragments
# whose later one came before them
expect_val "stats.ip_fragments" "$last" '.dnstrail_stats.ip_fragments' 8
expect_val "stats.ip_reassembled: the two split queries" "$last" '.dnstrail_stats.ip_reassembled' 2
expect_val "stats.ip_reassembly_drops: the four never completed, counted" "$last" \
	'.dnstrail_stats.ip_reassembly_drops' 4
expect_val "stats.ip_fragments_missed: the three whose later fragment came first" "$last" \
	'.dnstrail_stats.ip_fragments_missed' 3
expect_val "stats.kernel_unparsed: every header was read" "$last" '.dnstrail_stats.kernel_unparsed' 0
for f in "vlan4 $PEER4 $TAP4 41020 4120 A ipv4" "vlan6 $PEER6 $TAP6 41021 4121 AAAA ipv6" \
	"qinq $PEER4 $TAP4 41022 4122 A ipv4" "vlanpg $PEER4 $TAP4 41023 4123 A ipv4" \
	"qinqpg $PEER4 $TAP4 41024 4124 A ipv4"; do
	read -r label src dst sport id qtype nettype <<<"$f"
	d="$label: a tagged query"
	n=$(printf '%s\n' "${EV[@]}" | jq -c "select($(tap_q "$src" "$sport"))" | grep -c . || true)
	expect_eq "$d: exactly one event" "$n" 1
	rec=$(printf '%s\n' "${EV[@]}" | jq -c "select($(tap_q "$src" "$sport"))" | head -n 1)
	expect_val "$d: unanswered" "$rec" '.dnstrail.status' '"timeout"'
	expect_val "$d: question" "$rec" '.dns.question | {name, type}' "{\"name\":\"$label.$Z\",\"type\":\"$qtype\"}"
	expect_val "$d: dns.id" "$rec" '.dns.id' "$id"
	expect_val "$d: destination" "$rec" '.destination | {ip, port}' "{\"ip\":\"$dst\",\"port\":53}"
	expect_val "$d: network.type" "$rec" '.network.type' "\"$nettype\""
done
expect_eq "events of the tap's peer: its thirteen queries to port 53, dig's two to it" "${#EV[@]}" 15
expect_val "stats.kernel_missed_runs" "$last" '.dnstrail_stats.kernel_missed_runs' 0

for f in "4 $DT_C4 41010 4110 A 192.0.2.1 ipv4" "6 $DT_C6 41011 4111 AAAA 2001:db8::1 ipv6"; do
	read -r fam src sport id qtype data nettype <<<"$f"
	d="$qtype www from a packet socket"
	dt_one "$d" "$(dt_q "www.$Z" "$qtype") and .source.port == $sport"
	dt_expect_answered "$d" "$REC"
	expect_val "$d: dns.id" "$REC" '.dns.id' "$id"
	expect_val "$d: answer data" "$REC" '[.dns.answers[] | .data]' "[\"$data\"]"
	dt_expect_net "$d" "$REC" udp "$nettype" "$src" "$([[ $fam == 4 ]] && echo "$DT_S4" || echo "$DT_S6")" "$sport"
	# recorded where it left, so with its sender (python3 runs the socket)
	expect_val "$d: process.pid" "$REC" '.process.pid' "${PID["raw$fam"]}"
	expect_val "$d: process.parent.pid" "$REC" '.process.parent.pid' "${PPID_["raw$fam"]}"
	expect_jq "$d: process.name" "$REC" '.process.name | startswith("python3")' '.process.name'
done

dt_one "TXT over the veth, alongside" "$(dt_q "txt.$Z" TXT)"
dt_expect_answered "TXT over the veth" "$REC"
expect_jq "TXT over the veth: not nonlinear" "$REC" \
	'(.dnstrail.flags // []) | index("nonlinear") == null' '.dnstrail.flags'

dt_finish
