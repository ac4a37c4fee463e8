#!/bin/bash
# Live: client -> bridge namespace (Linux bridge) -> server. Each query and
# response crosses four devices in three namespaces; still exactly one event
# per transaction, attributed to the client process.
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_bridge
dt_start_nsd
dt_start

Z=$DT_ZONE
DT_DIG_TIMEOUT=3
dt_dig u4 0 -b "$DT_C4#40300" "@$DT_S4" "www.$Z" A
dt_dig u6 0 -6 -b "$DT_C6#40301" "@$DT_S6" "www.$Z" AAAA
dt_dig t4 0 +tcp "@$DT_S4" "txt.$Z" TXT
dt_dig tc 0 "@$DT_S4" "big.$Z" A
dt_wait_count "$(dt_q "big.$Z" A tcp)" 1 5 || true
dt_stop INT

dt_expect_all_json
dt_expect_stats

dt_one "bridge: A (udp4)" "$(dt_q "www.$Z" A)"
dt_expect_answered "bridge A" "$REC"
dt_expect_process "bridge A" "$REC" "${PID[u4]}" "${PPID_[u4]}" /usr/bin/dig 0
dt_expect_net "bridge A" "$REC" udp ipv4 "$DT_C4" "$DT_S4" 40300
expect_jq "bridge A: dns.id" "$REC" "(.dns.id | tostring) == \"${ID[u4]}\"" '.dns.id'
expect_val "bridge A: resolved_ip" "$REC" '.dns.resolved_ip' '["192.0.2.1"]'

dt_one "bridge: AAAA (udp6)" "$(dt_q "www.$Z" AAAA)"
dt_expect_answered "bridge AAAA" "$REC"
dt_expect_process "bridge AAAA" "$REC" "${PID[u6]}" "${PPID_[u6]}" /usr/bin/dig 0
dt_expect_net "bridge AAAA" "$REC" udp ipv6 "$DT_C6" "$DT_S6" 40301
expect_val "bridge AAAA: resolved_ip" "$REC" '.dns.resolved_ip' '["2001:db8::1"]'

dt_one "bridge: TXT (tcp4)" "$(dt_q "txt.$Z" TXT)"
dt_expect_answered "bridge TXT" "$REC"
dt_expect_process "bridge TXT" "$REC" "${PID[t4]}" "${PPID_[t4]}" /usr/bin/dig 0
dt_expect_net "bridge TXT" "$REC" tcp ipv4 "$DT_C4" "$DT_S4"
expect_val "bridge TXT: data" "$REC" '[.dns.answers[].data]' '["\"a\" \"b\""]'

dt_one "bridge: big A, truncated UDP" "$(dt_q "big.$Z" A udp)"
expect_val "bridge big udp: process.pid" "$REC" '.process.pid' "${PID[tc]}"
dt_one "bridge: big A, TCP retry" "$(dt_q "big.$Z" A tcp)"
dt_expect_answered "bridge big tcp" "$REC"
expect_val "bridge big tcp: process.pid" "$REC" '.process.pid' "${PID[tc]}"
expect_val "bridge big tcp: 100 answers" "$REC" '.dns.answers | length' 100

# no event at all with a status other than ok from our addresses (no orphan
# responses or timeouts made of the copies seen on the bridge)
expect_eq "no orphan/timeout/malformed events from the bridge hops" \
	"$(dt_count "($(dt_from_client) or .destination.ip == \"$DT_C4\" or .destination.ip == \"$DT_C6\") and .dnstrail.status != \"ok\"")" 0

dt_finish
