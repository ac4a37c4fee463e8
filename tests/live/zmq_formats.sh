#!/bin/bash
# Publisher -> dnstrail-sub json (byte-identical to the daemon's own --stdout
# json), text, dnstap (read back with dnstap-read), the Python subscriber,
# a topic-prefix subscriber that must see only its prefix, and the same with
# the zmq output's batch mode.
. "$(dirname "$0")/zmq_lib.sh"

N=60
z_mkpcap "$W/a.pcap" $N 10.1.0.1
EP="ipc://$W/pub.sock"
z_config "$W/d.yaml" "$W/a.pcap" publish "$EP" pubA 5 </dev/null

z_bg "$BIN/dnstrail-sub" --connect "$EP" --format json -o "$W/sub.json" --timeout 5 \
	2>"$W/sj.err"
SJ=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --format text -o "$W/sub.txt" --timeout 5 \
	2>"$W/st.err"
ST=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --format dnstap -o "$W/sub.tap" --timeout 5 \
	2>"$W/sd.err"
SD=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --topic dns.NXDOMAIN. -o "$W/nx.json" --timeout 5 \
	2>"$W/nx.err"
SN=$Z_LAST
z_bg "$PY" "$DT_SRC/examples/python/dnstrail_sub.py" --connect "$EP" --timeout 5 \
	--proto-path "$DT_BUILD/python" >"$W/py.txt" 2>"$W/py.err"
SP=$Z_LAST

rc=0
"$BIN/dnstrail" -c "$W/d.yaml" --stdout=json >"$W/daemon.json" 2>"$W/daemon.err" || rc=$?
expect_eq "daemon exit status" $rc 0
for p in $SJ $ST $SD $SN $SP; do z_wait_exit "$p" 15; done

want=$((N + 1)) # every transaction, plus the trailing timeout query
expect_eq "daemon transactions" "$(wc -l <"$W/daemon.json")" $want
expect_eq "daemon events_published" "$(z_stat "$W/daemon.err" events_published)" $want
expect_eq "json lines" "$(wc -l <"$W/sub.json")" $want
if cmp -s "$W/daemon.json" "$W/sub.json"; then
	expect_eq "json byte-identical to the daemon's" yes yes
else
	expect_eq "json byte-identical to the daemon's" no yes
	diff "$W/daemon.json" "$W/sub.json" | head -5
fi
expect_eq "text lines" "$(wc -l <"$W/sub.txt")" $want
# dnstap: a query frame per transaction, a response frame for each answered one
frames=$(dnstap-read "$W/sub.tap" | wc -l)
expect_eq "dnstap frames" "$frames" $((2 * want - 2))
expect_eq "dnstap STUB_QUERY" "$(dnstap-read "$W/sub.tap" | grep -c ' SQ ')" $want
expect_eq "dnstap identity" "$(dnstap-read -y "$W/sub.tap" | grep -m1 '^identity:')" "identity: pubA"
expect_eq "python lines" "$(wc -l <"$W/py.txt")" $want
# same transactions: qnames in order
jq_names=$("$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["dns"]["question"]["name"])' "$W/sub.json" | md5sum)
py_names=$(awk '{print $9}' "$W/py.txt" | md5sum)
expect_eq "python saw the same questions" "$py_names" "$jq_names"
nx_want=$(grep -c '"response_code":"NXDOMAIN"' "$W/daemon.json")
expect_eq "topic dns.NXDOMAIN. lines" "$(wc -l <"$W/nx.json")" "$nx_want"
expect_eq "topic dns.NXDOMAIN. only NXDOMAIN" "$(grep -vc '"response_code":"NXDOMAIN"' "$W/nx.json" || true)" 0

# include_wire: false: smaller messages, the same JSON; dnstap has nothing to write
printf '      include_wire: false\n' | z_config "$W/nw.yaml" "$W/a.pcap" publish "$EP" pubA 2
z_bg "$BIN/dnstrail-sub" --connect "$EP" -o "$W/nw.json" --timeout 5 2>"$W/nw.err"
S1=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --format dnstap -o "$W/nw.tap" --timeout 5 2>"$W/nwt.err"
S2=$Z_LAST
"$BIN/dnstrail" -c "$W/nw.yaml" --stdout=json >"$W/nwd.json" 2>"$W/nwd.err"
z_wait_exit "$S1" 15
z_wait_exit "$S2" 15
expect_eq "no-wire json byte-identical" "$(cmp -s "$W/nwd.json" "$W/nw.json" && echo yes)" yes
expect_eq "no-wire dnstap explains" "$(grep -c 'include_wire: false' "$W/nwt.err")" 1

# batch: 16 -- several events per message under dnsbatch.<host>.: the same
# JSON and dnstap, no gaps, the Python subscriber too; a subscriber of dns.
# topics alone gets none
printf '      batch: 16\n' | z_config "$W/bt.yaml" "$W/a.pcap" publish "$EP" pubA 3
z_bg "$BIN/dnstrail-sub" --connect "$EP" -o "$W/bt.json" --timeout 5 2>"$W/bt.err"
S1=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --format dnstap -o "$W/bt.tap" --timeout 5 \
	2>"$W/btt.err"
S2=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --topic dns. -o "$W/btd.json" --timeout 5 \
	2>"$W/btd.err"
S3=$Z_LAST
z_bg "$PY" "$DT_SRC/examples/python/dnstrail_sub.py" --connect "$EP" --timeout 5 \
	--proto-path "$DT_BUILD/python" >"$W/btpy.txt" 2>"$W/btpy.err"
S4=$Z_LAST
"$BIN/dnstrail" -c "$W/bt.yaml" --stdout=json >"$W/btd_daemon.json" 2>"$W/btdd.err"
for p in $S1 $S2 $S3 $S4; do z_wait_exit "$p" 15; done
expect_eq "batch json byte-identical" "$(cmp -s "$W/btd_daemon.json" "$W/bt.json" && echo yes)" yes
expect_eq "batch dnstap frames" "$(dnstap-read "$W/bt.tap" | wc -l)" $((2 * want - 2))
expect_eq "batch sub stats line" "$(tail -1 "$W/bt.err")" \
	"{\"dnstrail_sub_stats\":{\"received\":$want,\"gaps\":0,\"lost\":0,\"publishers\":1}}"
expect_eq "batch events_published" "$(z_stat "$W/btdd.err" events_published)" $want
expect_eq "dns. topics alone get no batch" "$(wc -l <"$W/btd.json")" 0
expect_eq "batch python lines" "$(wc -l <"$W/btpy.txt")" $want
expect_eq "batch python gaps" "$(tail -1 "$W/btpy.err" | grep -c '"gaps":0,"lost":0')" 1

expect_eq "sub stats line" "$(tail -1 "$W/sj.err")" \
	"{\"dnstrail_sub_stats\":{\"received\":$want,\"gaps\":0,\"lost\":0,\"publishers\":1}}"
z_finish
