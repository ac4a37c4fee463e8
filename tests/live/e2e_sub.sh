#!/bin/bash
# Live: the ZeroMQ path. dnstrail publishes on an ipc socket; dnstrail-sub
# --format json must print the very events dnstrail printed on stdout, with
# nothing lost; dnstrail-sub --format dnstap writes a file dnstap-read reads.
. "$(dirname "$0")/lib.sh"

dt_setup
[[ -x "$DNSTRAIL_SUB" ]] || die "$DNSTRAIL_SUB not built"
dt_topo_veth
dt_start_nsd
dt_start

EP=ipc://$DT_WORK/pub.sock
Z=$DT_ZONE
env --default-signal=INT,TERM "$DNSTRAIL_SUB" --connect "$EP" --format json -o "$DT_WORK/sub.json" \
	2>"$DT_WORK/sub.err" &
SUB_JSON=$!
env --default-signal=INT,TERM "$DNSTRAIL_SUB" --connect "$EP" --format dnstap -o "$DT_WORK/sub.tap" \
	2>"$DT_WORK/sub-tap.err" &
SUB_TAP=$!
DT_PIDS+=("$SUB_JSON" "$SUB_TAP")
sleep 1 # subscriptions reach the publisher (a PUB socket drops before that)

names=("www.$Z" "mail.$Z" "txt.$Z" "nx-$DT_ID.$Z" "big.$Z")
for n in "${names[@]}"; do
	ip netns exec "$DT_NS_C" dig +tries=1 +timeout=2 "@$DT_S4" "$n" A >/dev/null || true
done
ip netns exec "$DT_NS_C" dig +tries=1 +timeout=1 "@$DT_DEAD4" "mail.$Z" AAAA >/dev/null || true
dt_wait_count "$(dt_q "big.$Z" A tcp)" 1 5 || true
sleep 1
dt_stop INT # the pending timeout is flushed and published before the sockets close
sleep 1
for p in "$SUB_JSON" "$SUB_TAP"; do
	kill -INT "$p" 2>/dev/null || true
	dt_wait_pid "$p" 10 || flunk "dnstrail-sub $p did not exit on SIGINT"
done
set +e
wait "$SUB_JSON"
expect_eq "dnstrail-sub (json) exit status" "$?" 0
wait "$SUB_TAP"
expect_eq "dnstrail-sub (dnstap) exit status" "$?" 0
set -e
dt_expect_stats

# our client's events, as dnstrail printed them and as the subscriber did
# (the start-up probes came before the subscribers connected)
ours="$(dt_from_client) and ($(dt_probe) | not)"
fwd=$(jq -cR "fromjson? | objects | select($ours)" "$DT_MINE" | jq -sc 'sort_by(."@timestamp", .dns.question.name, .network.transport)')
sub=$(grep -F -e "\"$DT_C4\"" -e "\"$DT_C6\"" "$DT_WORK/sub.json" 2>/dev/null |
	jq -cR "fromjson? | objects | select($ours)" |
	jq -sc 'sort_by(."@timestamp", .dns.question.name, .network.transport)')
n_fwd=$(jq length <<<"$fwd")
n_sub=$(jq length <<<"$sub")
expect_eq "dnstrail printed the 7 transactions (5 names, big twice, 1 timeout)" "$n_fwd" 7
stats=$(tail -n 1 "$DT_ERR")
drops=$(jq '.dnstrail_stats.output_drops // 0' <<<"$stats" 2>/dev/null || echo 0)
total=$(wc -l <"$DT_OUT")
last=$(tail -n 1 "$DT_WORK/sub.err" 2>/dev/null || true)
if [[ -n "$last" ]] && jq -e '.dnstrail_sub_stats' <<<"$last" >/dev/null 2>&1; then
	pass "dnstrail-sub's last stderr line is its stats"
else
	flunk "dnstrail-sub's last stderr line is not {\"dnstrail_sub_stats\":...}: '${last:0:300}'"
	last='{}'
fi
expect_val "dnstrail-sub saw one publisher" "$last" '.dnstrail_sub_stats.publishers' 1

if ((total <= 1000)); then
	# a quiet host: nothing may be lost anywhere
	expect_eq "dnstrail dropped nothing at the PUB socket" "$drops" 0
	expect_val "dnstrail-sub lost nothing" "$last" '.dnstrail_sub_stats.lost' 0
	expect_val "dnstrail-sub saw no gaps" "$last" '.dnstrail_sub_stats.gaps' 0
	expect_eq "dnstrail-sub received as many of our events as dnstrail printed" "$n_sub" "$n_fwd"
	if [[ "$fwd" == "$sub" ]]; then
		pass "dnstrail-sub --format json printed the same ECS objects"
	else
		flunk "dnstrail-sub --format json differs from dnstrail --stdout=json"
		diff <(jq -S '.[0]' <<<"$fwd") <(jq -S '.[0]' <<<"$sub") | head -n 30 || true
	fi
	expect_val "the timeout reached the subscriber" "$sub" \
		"[.[] | select(.dnstrail.status == \"timeout\" and .dns.question.name == \"mail.$Z\")] | length" 1
else
	# someone else's flood filled the PUB socket: what was dropped must be
	# exactly what the subscriber proves lost, and what arrived is intact
	log "busy host ($total events, $drops dropped at the PUB socket)"
	expect_val "dnstrail-sub's lost equals dnstrail's output_drops ($drops)" "$last" '.dnstrail_sub_stats.lost' "$drops"
	expect_jq "every event dnstrail-sub printed is one dnstrail printed" "$sub" \
		"all(.[]; . as \$e | $fwd | index([\$e]) != null)" 'length'
fi

# dnstap: a query and a response message per answered transaction
if command -v dnstap-read >/dev/null; then
	if dnstap-read "$DT_WORK/sub.tap" >"$DT_WORK/tap.txt" 2>&1; then
		pass "dnstap-read reads the subscriber's dnstap file"
	else
		flunk "dnstap-read failed: $(head -c 300 "$DT_WORK/tap.txt")"
	fi
	for n in www.$Z txt.$Z; do
		expect_eq "dnstap: a query for $n/A" \
			"$(grep -cE " [A-Z]Q $DT_C4:[0-9]+ .* $n/IN/A\b" "$DT_WORK/tap.txt" || true)" 1
		expect_eq "dnstap: a response for $n/A" \
			"$(grep -cE " [A-Z]R $DT_C4:[0-9]+ .* $n/IN/A\b" "$DT_WORK/tap.txt" || true)" 1
	done
fi

dt_finish
