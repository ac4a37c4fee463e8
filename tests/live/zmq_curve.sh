#!/bin/bash
# CURVE end to end with `dnstrail keygen` keys: the allowed client gets every
# event, a client with an unlisted key and a plaintext client get nothing; a
# secret key file readable by others is refused with a clear error.
. "$(dirname "$0")/zmq_lib.sh"

K=$W/keys
mkdir -p "$K/clients"
"$BIN/dnstrail" keygen -o "$K" server >/dev/null
"$BIN/dnstrail" keygen -o "$K/clients" siem >/dev/null
"$BIN/dnstrail" keygen -o "$K" stranger >/dev/null
expect_eq "secret key mode" "$(stat -c %a "$K/server.key_secret")" 600
mv "$K/clients/siem.key_secret" "$K/" # the allowlist directory holds public keys only

N=50
EP="ipc://$W/pub.sock"
z_mkpcap "$W/a.pcap" $N 10.5.0.1
printf '      curve_secret_key_file: %s\n      curve_allow: [%s]\n' \
	"$K/server.key_secret" "$K/clients" |
	z_config "$W/d.yaml" "$W/a.pcap" publish "$EP" curvy 1

z_bg "$BIN/dnstrail-sub" --connect "$EP" --timeout 4 -o "$W/ok.json" \
	--curve-server-key "$K/server.key" --curve-key "$K/siem.key_secret" 2>"$W/ok.err"
OK=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --timeout 4 -o "$W/bad.json" \
	--curve-server-key "$K/server.key" --curve-key "$K/stranger.key_secret" 2>"$W/bad.err"
BAD=$Z_LAST
z_bg "$BIN/dnstrail-sub" --connect "$EP" --timeout 4 -o "$W/plain.json" 2>"$W/plain.err"
PLAIN=$Z_LAST
rc=0
"$BIN/dnstrail" -c "$W/d.yaml" 2>"$W/d.err" || rc=$?
expect_eq "daemon exit status" $rc 0
for p in $OK $BAD $PLAIN; do z_wait_exit "$p" 15; done
expect_eq "allowed client received" "$(z_stat "$W/ok.err" received)" $((N + 1))
expect_eq "allowed client lost" "$(z_stat "$W/ok.err" lost)" 0
expect_eq "unlisted client received" "$(z_stat "$W/bad.err" received)" 0
expect_eq "plaintext client received" "$(z_stat "$W/plain.err" received)" 0

chmod 644 "$K/server.key_secret"
rc=0
"$BIN/dnstrail" -c "$W/d.yaml" 2>"$W/perm.err" || rc=$?
expect_eq "world-readable secret key refused" "$([ $rc -ne 0 ] && echo yes)" yes
expect_eq "error says how to fix it" "$(grep -c 'chmod 600' "$W/perm.err")" 1
rc=0
"$BIN/dnstrail-sub" --connect "$EP" --timeout 1 --curve-server-key "$K/server.key" \
	--curve-key "$K/server.key_secret" 2>"$W/subperm.err" || rc=$?
expect_eq "subscriber refuses it too" "$(grep -c 'chmod 600' "$W/subperm.err")" 1
z_finish
