#!/bin/bash
# Live: other clients than dig. kdig (Knot) over UDP and TCP, and glibc's
# resolver through `getent ahosts`, which reads the namespace's resolv.conf
# and sends A and AAAA in parallel from one socket (sendmmsg).
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_veth
dt_start_nsd
dt_start

Z=$DT_ZONE
out=$DT_WORK/kdig-udp.out
dt_client "$out" kdig +retry=0 +timeout=2 "@$DT_S4" "mail.$Z" A
[[ $CLIENT_RC == 0 ]] || die "kdig failed: $(cat "$out")"
K1_PID=$CLIENT_PID K1_PPID=$CLIENT_PPID K1_ID=$(dig_id "$out")
out=$DT_WORK/kdig-tcp.out
dt_client "$out" kdig +tcp +retry=0 +timeout=2 "@$DT_S6" "$Z" MX
[[ $CLIENT_RC == 0 ]] || die "kdig +tcp failed: $(cat "$out")"
K2_PID=$CLIENT_PID K2_PPID=$CLIENT_PPID K2_ID=$(dig_id "$out")
out=$DT_WORK/getent.out
dt_client "$out" getent ahosts "www.$Z"
[[ $CLIENT_RC == 0 ]] || die "getent failed: $(cat "$out")"
grep -q '2001:db8::1' "$out" && grep -q '192.0.2.1' "$out" ||
	die "getent did not resolve both families: $(cat "$out")"
G_PID=$CLIENT_PID G_PPID=$CLIENT_PPID
dt_wait_count "$(dt_q "www.$Z")" 2 5 || true
dt_stop INT

dt_expect_all_json
dt_expect_stats

dt_one "kdig A (udp4)" "$(dt_q "mail.$Z" A)"
dt_expect_answered "kdig A" "$REC"
dt_expect_process "kdig A" "$REC" "$K1_PID" "$K1_PPID" /usr/bin/kdig 0
dt_expect_net "kdig A" "$REC" udp ipv4 "$DT_C4" "$DT_S4"
expect_jq "kdig A: dns.id" "$REC" "(.dns.id | tostring) == \"$K1_ID\"" '.dns.id'
expect_val "kdig A: answers" "$REC" '[.dns.answers[] | [.name, .type, .data]]' "[[\"mail.$Z\",\"A\",\"192.0.2.25\"]]"

dt_one "kdig MX (tcp6)" "$(dt_q "$Z" MX)"
dt_expect_answered "kdig MX" "$REC"
dt_expect_process "kdig MX" "$REC" "$K2_PID" "$K2_PPID" /usr/bin/kdig 0
dt_expect_net "kdig MX" "$REC" tcp ipv6 "$DT_C6" "$DT_S6"
expect_jq "kdig MX: dns.id" "$REC" "(.dns.id | tostring) == \"$K2_ID\"" '.dns.id'
expect_val "kdig MX: answers" "$REC" '[.dns.answers[] | .data]' "[\"10 mail.$Z\"]"

for t in A AAAA; do
	dt_one "getent $t" "$(dt_q "www.$Z" "$t")"
	dt_expect_answered "getent $t" "$REC"
	dt_expect_process "getent $t" "$REC" "$G_PID" "$G_PPID" /usr/bin/getent 0
	dt_expect_net "getent $t" "$REC" udp ipv4 "$DT_C4" "$DT_S4"
	expect_val "getent $t: response_code" "$REC" '.dns.response_code' '"NOERROR"'
done
expect_val "getent A: resolved_ip" "$(dt_select "$(dt_q "www.$Z" A)" | head -n 1)" '.dns.resolved_ip' '["192.0.2.1"]'
expect_val "getent AAAA: resolved_ip" "$(dt_select "$(dt_q "www.$Z" AAAA)" | head -n 1)" '.dns.resolved_ip' '["2001:db8::1"]'

dt_finish
