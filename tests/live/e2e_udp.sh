#!/bin/bash
# Live: dig over UDP, IPv4 and IPv6, client and NSD in two namespaces joined
# by a veth pair. Every record type's presentation data, the process that
# asked, addresses and ports, exactly one event per query, the final stats.
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_veth
dt_start_nsd
t0=$(now_ns)
dt_start

Z=$DT_ZONE
dt_dig a4 0 -b "$DT_C4#40053" "@$DT_S4" "www.$Z" A
dt_dig aaaa6 0 -6 -b "$DT_C6#40054" "@$DT_S6" "www.$Z" AAAA
dt_dig nobody 65534 "@$DT_S4" "mail.$Z" A
dt_dig cname 0 "@$DT_S4" "alias.$Z" A
dt_dig mx 0 "@$DT_S4" "$Z" MX
dt_dig txt 0 "@$DT_S4" "txt.$Z" TXT
dt_dig txt2 0 "@$DT_S4" "txt2.$Z" TXT
dt_dig srv 0 "@$DT_S4" "_sip._udp.$Z" SRV
dt_dig soa 0 "@$DT_S4" "$Z" SOA
dt_dig caa 0 "@$DT_S4" "$Z" CAA
dt_dig nx 0 "@$DT_S4" "nx-$DT_ID.$Z" A
dt_dig wild 0 -6 "@$DT_S6" "anything.wild.$Z" A
# with the neighbour caches flushed, the query waits in the kernel for ARP/ND
# and leaves later from softirq context, not from dig's
ip -n "$DT_NS_C" neigh flush dev vc
dt_dig arp4 0 "@$DT_S4" "ns1.$Z" A
dt_dig nd6 0 -6 "@$DT_S6" "ns1.$Z" AAAA
t1=$(now_ns)
# let the events come out while still running, then stop (flushes the rest)
dt_wait_count "$(dt_q "anything.wild.$Z")" 1 5 || true
dt_stop INT

dt_expect_all_json
dt_expect_stats

# --- A over IPv4, everything about it -----------------------------------------
dt_one "A www (udp4)" "$(dt_q "www.$Z" A)"
dt_expect_answered "A www" "$REC"
dt_expect_process "A www" "$REC" "${PID[a4]}" "${PPID_[a4]}" /usr/bin/dig 0
dt_expect_net "A www" "$REC" udp ipv4 "$DT_C4" "$DT_S4" 40053
expect_jq "A www: dns.id is dig's id ${ID[a4]}" "$REC" "(.dns.id | tostring) == \"${ID[a4]}\"" '.dns.id'
expect_val "A www: dns.response_code" "$REC" '.dns.response_code' '"NOERROR"'
expect_val "A www: dns.question" "$REC" '.dns.question | {name, type, class}' \
	"{\"name\":\"www.$Z\",\"type\":\"A\",\"class\":\"IN\"}"
expect_val "A www: dns.question.registered_domain" "$REC" '.dns.question.registered_domain' "\"$Z\""
expect_val "A www: dns.answers" "$REC" '[.dns.answers[] | {name, type, class, ttl, data}]' \
	"[{\"name\":\"www.$Z\",\"type\":\"A\",\"class\":\"IN\",\"ttl\":300,\"data\":\"192.0.2.1\"}]"
expect_val "A www: dns.resolved_ip" "$REC" '.dns.resolved_ip' '["192.0.2.1"]'
expect_jq "A www: header_flags has AA and RD, not TC" "$REC" \
	'(.dns.header_flags | index("AA") != null and index("RD") != null and index("TC") == null)' '.dns.header_flags'
expect_val "A www: event.outcome" "$REC" '.event.outcome' '"success"'
expect_jq "A www: @timestamp within the test's window" "$REC" \
	"(.\"@timestamp\" | sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdateiso8601) as \$s | \$s >= ($t0 / 1e9 | floor) and \$s <= ($t1 / 1e9 | ceil)" \
	'."@timestamp"'

# --- AAAA over IPv6 ---------------------------------------------------------------
dt_one "AAAA www (udp6)" "$(dt_q "www.$Z" AAAA)"
dt_expect_answered "AAAA www" "$REC"
dt_expect_process "AAAA www" "$REC" "${PID[aaaa6]}" "${PPID_[aaaa6]}" /usr/bin/dig 0
dt_expect_net "AAAA www" "$REC" udp ipv6 "$DT_C6" "$DT_S6" 40054
expect_jq "AAAA www: dns.id" "$REC" "(.dns.id | tostring) == \"${ID[aaaa6]}\"" '.dns.id'
expect_val "AAAA www: answer data" "$REC" '[.dns.answers[] | .data]' '["2001:db8::1"]'
expect_val "AAAA www: answer type" "$REC" '[.dns.answers[] | .type]' '["AAAA"]'
expect_val "AAAA www: dns.resolved_ip" "$REC" '.dns.resolved_ip' '["2001:db8::1"]'

# --- as another user ---------------------------------------------------------------
dt_one "A mail as nobody" "$(dt_q "mail.$Z" A)"
dt_expect_answered "A mail as nobody" "$REC"
dt_expect_process "A mail as nobody" "$REC" "${PID[nobody]}" "${PPID_[nobody]}" /usr/bin/dig 65534

# --- record types: presentation data ---------------------------------------------
# expect_answers KEY NAME TYPE JSON: exactly one event, its answers (name type data)
expect_answers() {
	local key=$1 name=$2 type=$3 want=$4
	dt_one "$type $name" "$(dt_q "$name" "$type")"
	dt_expect_answered "$type $name" "$REC"
	expect_val "$type $name: process.pid" "$REC" '.process.pid' "${PID[$key]}"
	expect_jq "$type $name: dns.id" "$REC" "(.dns.id | tostring) == \"${ID[$key]}\"" '.dns.id'
	expect_val "$type $name: response_code" "$REC" '.dns.response_code' '"NOERROR"'
	expect_val "$type $name: answers" "$REC" '[.dns.answers[] | [.name, .type, .data]]' "$want"
}
expect_answers cname "alias.$Z" A \
	"[[\"alias.$Z\",\"CNAME\",\"alias2.$Z\"],[\"alias2.$Z\",\"CNAME\",\"www.$Z\"],[\"www.$Z\",\"A\",\"192.0.2.1\"]]"
expect_val "CNAME chain: resolved_ip" "$REC" '.dns.resolved_ip' '["192.0.2.1"]'
expect_answers mx "$Z" MX "[[\"$Z\",\"MX\",\"10 mail.$Z\"]]"
expect_answers txt "txt.$Z" TXT "[[\"txt.$Z\",\"TXT\",\"\\\"a\\\" \\\"b\\\"\"]]"
expect_answers txt2 "txt2.$Z" TXT \
	"[[\"txt2.$Z\",\"TXT\",\"\\\"hello world\\\" \\\"semi;colon\\\" \\\"quote\\\\\\\"inside\\\"\"]]"
expect_answers srv "_sip._udp.$Z" SRV "[[\"_sip._udp.$Z\",\"SRV\",\"10 60 5060 sip.$Z\"]]"
expect_answers soa "$Z" SOA \
	"[[\"$Z\",\"SOA\",\"ns1.$Z hostmaster.$Z 2026112601 3600 900 604800 60\"]]"
expect_answers caa "$Z" CAA "[[\"$Z\",\"CAA\",\"0 issue \\\"letsencrypt.org\\\"\"]]"
expect_answers wild "anything.wild.$Z" A "[[\"anything.wild.$Z\",\"A\",\"192.0.2.99\"]]"
dt_expect_net "A wildcard (udp6)" "$REC" udp ipv6 "$DT_C6" "$DT_S6"

# --- NXDOMAIN ---------------------------------------------------------------------
dt_one "NXDOMAIN" "$(dt_q "nx-$DT_ID.$Z" A)"
dt_expect_answered "NXDOMAIN" "$REC"
expect_val "NXDOMAIN: dns.response_code" "$REC" '.dns.response_code' '"NXDOMAIN"'
expect_val "NXDOMAIN: process.pid" "$REC" '.process.pid' "${PID[nx]}"
expect_jq "NXDOMAIN: no answers" "$REC" '(.dns.answers // []) | length == 0' '.dns.answers'
expect_jq "NXDOMAIN: no resolved_ip" "$REC" '(.dns.resolved_ip // []) | length == 0' '.dns.resolved_ip'

# --- sent after neighbour resolution -------------------------------------------
dt_one "A ns1 after an ARP wait" "$(dt_q "ns1.$Z" A)"
dt_expect_answered "A after ARP" "$REC"
dt_expect_process "A after ARP" "$REC" "${PID[arp4]}" "${PPID_[arp4]}" /usr/bin/dig 0
dt_one "AAAA ns1 after an ND wait" "$(dt_q "ns1.$Z" AAAA)"
dt_expect_answered "AAAA after ND" "$REC"
dt_expect_process "AAAA after ND" "$REC" "${PID[nd6]}" "${PPID_[nd6]}" /usr/bin/dig 0
expect_val "AAAA after ND: NODATA, no answers" "$REC" '[(.dns.answers // [])[]] | length' 0

# nothing else from our client but the probes and the queries above
expect_eq "no events from the client beyond its queries" \
	"$(dt_count "$(dt_from_client) and ($(dt_probe) | not)")" 14

dt_finish
