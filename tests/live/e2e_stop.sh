#!/bin/bash
# Live: the other two ways to stop. SIGTERM and the end of --duration flush
# like SIGINT: a query still pending comes out as a timeout, the stats line
# is the last on stderr, the exit status is 0. And a stop while the kernel
# side holds records back in its per-CPU batches loses none of them.
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_veth
dt_start_nsd
Z=$DT_ZONE

# pending ZONE_NAME SPORT: one query to the address where nothing answers
pending() {
	dt_client "$DT_WORK/dig-$2.out" dig +tries=1 +timeout=1 -b "$DT_C4#$2" "@$DT_DEAD4" "$1" A
}
# check WHAT NAME SPORT PID
check() {
	dt_expect_all_json
	dt_expect_stats
	dt_one "$1: the answered query" "$(dt_q "www.$Z" A)"
	expect_val "$1: answered query status" "$REC" '.dnstrail.status' '"ok"'
	dt_one "$1: the pending query" "$(dt_q "$2" A) and .source.port == $3"
	expect_val "$1: pending query flushed as a timeout" "$REC" '.dnstrail.status' '"timeout"'
	expect_val "$1: pending query's process.pid" "$REC" '.process.pid' "$4"
}

# --- SIGTERM --------------------------------------------------------------------
dt_start
ip netns exec "$DT_NS_C" dig +tries=1 +timeout=2 "@$DT_S4" "www.$Z" A >/dev/null
pending "mail.$Z" 40400
dt_stop TERM
check SIGTERM "mail.$Z" 40400 "$CLIENT_PID"

# --- --duration -------------------------------------------------------------------
mv "$DT_OUT" "$DT_WORK/sigterm.json"
mv "$DT_ERR" "$DT_WORK/sigterm.err"
DT_MINE=""
t0=$SECONDS
dt_start --duration 8
ip netns exec "$DT_NS_C" dig +tries=1 +timeout=2 "@$DT_S4" "www.$Z" A >/dev/null
pending "ns1.$Z" 40401
# (a busy host can make the final drain of stdout take a while)
if dt_wait_pid "$DT_PID" 60; then
	pass "--duration 8 stopped dnstrail by itself ($((SECONDS - t0)) s)"
else
	flunk "--duration 8: still running after $((SECONDS - t0)) s"
fi
dt_stop INT # only collects the exit status when it already stopped
check "--duration" "ns1.$Z" 40401 "$CLIENT_PID"

# --- a stop while the kernel side holds a batch back ---------------------------
# Each CPU's records wait up to kernel_batch_wait in its stage (1 s here, so
# the stop surely comes first): the stop detaches the programs, waits for
# the stages' timers and collects, so the transaction still comes out.
mv "$DT_OUT" "$DT_WORK/duration.json"
mv "$DT_ERR" "$DT_WORK/duration.err"
DT_MINE=""
printf 'pipeline:\n  inputs:\n    - name: ebpf\n      kernel_batch_wait: 1s\n' >"$DT_WORK/wait1s.yaml"
dt_start -c "$DT_WORK/wait1s.yaml"
ip netns exec "$DT_NS_C" dig +tries=1 +timeout=2 -b "$DT_C4#40402" "@$DT_S4" "www.$Z" A >/dev/null
t0=$SECONDS
dt_stop TERM
expect_eq "stop with a batch held: exit status" "$DT_STATUS" 0
(((SECONDS - t0) <= 5)) && pass "stop with a batch held: took $((SECONDS - t0)) s" ||
	flunk "stop with a batch held: took $((SECONDS - t0)) s"
dt_one "stop with a batch held: the query answered just before" \
	"$(dt_q "www.$Z" A) and .source.port == 40402"
expect_val "stop with a batch held: status" "$REC" '.dnstrail.status' '"ok"'

dt_finish
