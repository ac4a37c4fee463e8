#!/bin/bash
# Live: container attribution. dig runs inside a cgroup named like a Docker
# container's (docker-<64 hex>.scope, on the cgroup v2 hierarchy); its event
# carries container.id, a plain dig's event carries none.
. "$(dirname "$0")/lib.sh"

dt_setup
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[[ -n "$root" ]] || die "no cgroup v2 hierarchy mounted"
CID=$(printf '%08x' $((DT_ID)) | head -c 8)$(head -c 28 /dev/urandom | od -An -tx1 | tr -d ' \n')
CID=${CID:0:64}
CG=$root/dnstrail-test-$DT_ID/system.slice/docker-$CID.scope
mkdir -p "$CG"
cleanup_cgroup() { rmdir "$CG" "$(dirname "$CG")" "$root/dnstrail-test-$DT_ID" 2>/dev/null || true; }
trap 'rc=$?; cleanup_cgroup; dt_cleanup $rc' EXIT

dt_topo_veth
dt_start_nsd
dt_start

Z=$DT_ZONE
out=$DT_WORK/dig-ctr.out
set +e
# join the cgroup first: `ip netns exec` mounts a fresh /sys without cgroups
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
	ip netns exec "$DT_NS_C" sh -c 'echo "$$ $PPID"; exec "$@"' sh \
	dig +tries=1 +timeout=2 "@$DT_S4" "www.$Z" A >"$out" 2>&1
rc=$?
set -e
[[ $rc == 0 ]] || die "dig in the container cgroup failed: $(cat "$out")"
read -r C_PID C_PPID <"$out"
dt_client "$DT_WORK/dig-host.out" dig +tries=1 +timeout=2 "@$DT_S4" "mail.$Z" A
H_PID=$CLIENT_PID
dt_wait_count "$(dt_q "mail.$Z" A)" 1 5 || true
dt_stop INT

dt_expect_stats
dt_one "dig in a container cgroup" "$(dt_q "www.$Z" A)"
dt_expect_answered "container dig" "$REC"
expect_val "container dig: process.pid" "$REC" '.process.pid' "$C_PID"
expect_val "container dig: container.id" "$REC" '.container.id' "\"$CID\""
dt_one "dig outside containers" "$(dt_q "mail.$Z" A)"
expect_val "host dig: process.pid" "$REC" '.process.pid' "$H_PID"
expect_jq "host dig: no container.id" "$REC" '.container.id == null' '.container'

dt_finish
