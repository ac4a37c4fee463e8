#!/bin/bash
# Live: unanswered queries. A query to an address where nothing answers comes
# out as one dnstrail.status "timeout" event after the timeout (default 5 s)
# while dnstrail runs; one still pending at SIGINT comes out at shutdown.
. "$(dirname "$0")/lib.sh"

DT_TIMEOUT_S=${DT_TIMEOUT_S:-5} # the engine's default timeout

dt_setup
dt_topo_veth
dt_start_nsd
dt_start

Z=$DT_ZONE
dt_client "$DT_WORK/dig-t1.out" dig +tries=1 +timeout=1 -b "$DT_C4#40200" "@$DT_DEAD4" "www.$Z" A
T1_PID=$CLIENT_PID T1_PPID=$CLIENT_PPID
sent=$SECONDS
grep -q 'timed out' "$DT_WORK/dig-t1.out" || die "dig got an answer from $DT_DEAD4: $(cat "$DT_WORK/dig-t1.out")"
q1="$(dt_q "www.$Z" A) and .destination.port == 53 and .source.port == 40200"
if dt_wait_count "$q1" 1 $((DT_TIMEOUT_S + 8)); then
	waited=$((SECONDS - sent))
	pass "timeout event while running, $waited s after the query"
	if ((waited >= DT_TIMEOUT_S - 2)); then
		pass "timeout event not before the timeout (${waited}s >= ${DT_TIMEOUT_S}s - 2)"
	else
		flunk "timeout event after ${waited}s, before the ${DT_TIMEOUT_S}s timeout"
	fi
else
	flunk "no timeout event within $((DT_TIMEOUT_S + 8))s of the query while running"
fi

# a second one, still pending when dnstrail is told to stop
dt_client "$DT_WORK/dig-t2.out" dig +tries=1 +timeout=1 -b "$DT_C4#40201" "@$DT_DEAD4" "mail.$Z" A
T2_PID=$CLIENT_PID T2_PPID=$CLIENT_PPID
dt_stop INT

dt_expect_all_json
dt_expect_stats
stats=$(tail -n 1 "$DT_ERR")
expect_jq "stats.timeouts counts both" "$stats" '.dnstrail_stats.timeouts >= 2' '.dnstrail_stats'

# expect_timeout DESC FILTER PID PPID SPORT
expect_timeout() {
	local d=$1
	dt_one "$d" "$2"
	dt_expect_common "$d" "$REC"
	expect_val "$d: dnstrail.status" "$REC" '.dnstrail.status' '"timeout"'
	expect_val "$d: dns.type" "$REC" '.dns.type' '"query"'
	expect_jq "$d: no response_code" "$REC" '.dns.response_code == null' '.dns'
	expect_jq "$d: no answers" "$REC" '(.dns.answers // []) | length == 0' '.dns.answers'
	expect_val "$d: question type" "$REC" '.dns.question.type' '"A"'
	dt_expect_process "$d" "$REC" "$3" "$4" /usr/bin/dig 0
	dt_expect_net "$d" "$REC" udp ipv4 "$DT_C4" "$DT_DEAD4" "$5"
	expect_jq "$d: event.outcome is not success" "$REC" '.event.outcome != "success"' '.event'
}
expect_timeout "timeout while running" "$q1" "$T1_PID" "$T1_PPID" 40200
expect_timeout "timeout at shutdown" "$(dt_q "mail.$Z" A) and .source.port == 40201" "$T2_PID" "$T2_PPID" 40201

dt_finish
