#!/bin/bash
# Live: a UDP response larger than the link MTU. With EDNS 4096 the 1.6 kB
# answer of big.dnstrail.test is not truncated but leaves NSD as two IP
# fragments (IPv4 and IPv6); still one complete transaction each, with all
# 100 answers, not a timeout.
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_veth
dt_start_nsd
dt_start

Z=$DT_ZONE
dt_client "$DT_WORK/dig4.out" dig +tries=1 +timeout=2 +bufsize=4096 "@$DT_S4" "big.$Z" A
P4=$CLIENT_PID
grep -q 'Truncated' "$DT_WORK/dig4.out" && die "the answer was truncated: no fragments to test"
grep -q 'ANSWER: 100' "$DT_WORK/dig4.out" || die "dig did not get 100 answers: $(cat "$DT_WORK/dig4.out")"
dt_client "$DT_WORK/dig6.out" dig +tries=1 +timeout=2 +bufsize=4096 -6 "@$DT_S6" "big.$Z" A
P6=$CLIENT_PID
grep -q 'ANSWER: 100' "$DT_WORK/dig6.out" || die "dig -6 did not get 100 answers: $(cat "$DT_WORK/dig6.out")"
dt_wait_count "$(dt_q "big.$Z" A)" 2 5 || true
dt_stop INT

dt_expect_stats
for fam in ipv4 ipv6; do
	pid=$P4
	[[ $fam == ipv6 ]] && pid=$P6
	dt_one "fragmented UDP response ($fam)" "$(dt_q "big.$Z" A udp) and .network.type == \"$fam\""
	expect_val "$fam: dnstrail.status" "$REC" '.dnstrail.status' '"ok"'
	expect_val "$fam: process.pid" "$REC" '.process.pid' "$pid"
	expect_val "$fam: all 100 answers" "$REC" '(.dns.answers // []) | length' 100
	expect_jq "$fam: no TC" "$REC" '(.dns.header_flags // []) | index("TC") == null' '.dns.header_flags'
done
expect_eq "no other events from the client" "$(dt_count "$(dt_q "big.$Z")")" 2

dt_finish
