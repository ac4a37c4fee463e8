#!/bin/bash
# Live: DNS over TCP. dig +tcp on both families, and a name too big for UDP:
# the UDP answer comes back truncated (TC), dig retries over TCP, and the TCP
# response spans two segments. Two transactions, the TCP one complete.
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_veth
dt_start_nsd
dt_start

Z=$DT_ZONE
DT_DIG_TIMEOUT=3
dt_dig tcp4 0 +tcp -b "$DT_C4#40100" "@$DT_S4" "www.$Z" A
dt_dig tcp6 0 +tcp -6 "@$DT_S6" "txt.$Z" TXT
dt_dig tc 0 "@$DT_S4" "big.$Z" A
grep -q 'Truncated, retrying in TCP mode' "$DT_WORK/dig-tc.out" ||
	die "dig did not see the big answer truncated: $(cat "$DT_WORK/dig-tc.out")"
dt_dig tc512 0 +noedns -6 "@$DT_S6" "bigtxt.$Z" TXT
grep -q 'Truncated, retrying in TCP mode' "$DT_WORK/dig-tc512.out" || die "bigtxt not truncated"
dt_wait_count "$(dt_q "bigtxt.$Z" TXT tcp)" 1 5 || true
dt_stop INT

dt_expect_all_json
dt_expect_stats

# --- plain TCP ------------------------------------------------------------------
dt_one "A www (tcp4)" "$(dt_q "www.$Z" A)"
dt_expect_answered "A www tcp4" "$REC"
dt_expect_process "A www tcp4" "$REC" "${PID[tcp4]}" "${PPID_[tcp4]}" /usr/bin/dig 0
dt_expect_net "A www tcp4" "$REC" tcp ipv4 "$DT_C4" "$DT_S4" 40100
expect_jq "A www tcp4: dns.id" "$REC" "(.dns.id | tostring) == \"${ID[tcp4]}\"" '.dns.id'
expect_val "A www tcp4: answers" "$REC" '[.dns.answers[] | [.name, .type, .ttl, .data]]' \
	"[[\"www.$Z\",\"A\",300,\"192.0.2.1\"]]"

dt_one "TXT txt (tcp6)" "$(dt_q "txt.$Z" TXT)"
dt_expect_answered "TXT txt tcp6" "$REC"
dt_expect_process "TXT txt tcp6" "$REC" "${PID[tcp6]}" "${PPID_[tcp6]}" /usr/bin/dig 0
dt_expect_net "TXT txt tcp6" "$REC" tcp ipv6 "$DT_C6" "$DT_S6"
expect_val "TXT txt tcp6: answers" "$REC" '[.dns.answers[] | .data]' '["\"a\" \"b\""]'

# --- truncated over UDP (EDNS 1232), then TCP -------------------------------------
dt_one "big A: the truncated UDP transaction" "$(dt_q "big.$Z" A udp)"
dt_expect_answered "big A udp" "$REC"
dt_expect_process "big A udp" "$REC" "${PID[tc]}" "${PPID_[tc]}" /usr/bin/dig 0
dt_expect_net "big A udp" "$REC" udp ipv4 "$DT_C4" "$DT_S4"
expect_jq "big A udp: header_flags has TC" "$REC" '.dns.header_flags | index("TC") != null' '.dns.header_flags'
dt_one "big A: the TCP retry" "$(dt_q "big.$Z" A tcp)"
dt_expect_answered "big A tcp" "$REC"
dt_expect_process "big A tcp" "$REC" "${PID[tc]}" "${PPID_[tc]}" /usr/bin/dig 0
dt_expect_net "big A tcp" "$REC" tcp ipv4 "$DT_C4" "$DT_S4"
expect_jq "big A tcp: dns.id" "$REC" "(.dns.id | tostring) == \"${ID[tc]}\"" '.dns.id'
expect_jq "big A tcp: no TC" "$REC" '.dns.header_flags | index("TC") == null' '.dns.header_flags'
expect_val "big A tcp: all 100 answers" "$REC" '.dns.answers | length' 100
expect_val "big A tcp: 100 resolved_ip, in zone order" "$REC" '.dns.resolved_ip | map(select(startswith("198.51.100."))) | length' 100
expect_val "big A tcp: first and last answer" "$REC" '[.dns.answers[0].data, .dns.answers[99].data]' \
	'["198.51.100.1","198.51.100.100"]'

# --- truncated at 512 bytes (no EDNS), IPv6, then TCP ------------------------------
dt_one "bigtxt TXT: the truncated UDP transaction" "$(dt_q "bigtxt.$Z" TXT udp)"
expect_jq "bigtxt udp: header_flags has TC" "$REC" '.dns.header_flags | index("TC") != null' '.dns.header_flags'
expect_val "bigtxt udp: process.pid" "$REC" '.process.pid' "${PID[tc512]}"
dt_one "bigtxt TXT: the TCP retry" "$(dt_q "bigtxt.$Z" TXT tcp)"
dt_expect_answered "bigtxt tcp" "$REC"
dt_expect_net "bigtxt tcp" "$REC" tcp ipv6 "$DT_C6" "$DT_S6"
expect_val "bigtxt tcp: process.pid" "$REC" '.process.pid' "${PID[tc512]}"
expect_val "bigtxt tcp: 20 TXT answers" "$REC" '[.dns.answers[] | select(.type == "TXT")] | length' 20
expect_val "bigtxt tcp: answer data" "$REC" '[.dns.answers[].data | length] | unique' '[102]'

expect_eq "no events from the client beyond its queries" \
	"$(dt_count "$(dt_from_client) and ($(dt_probe) | not)")" 6

dt_finish
