#!/bin/bash
# Live: process identity from the kernel side, through the daemon.
#  - container.id from the cgroup: dig runs inside a cgroup named like a
#    docker scope, created after dnstrail started (found by a rescan);
#  - a relative exec path (./dig) comes out as the absolute executable;
#  - grace period: a dig that gave up and exited long before its query timed
#    out still has pid, parent and executable in the timeout event;
#  - a process that was already running when dnstrail started (seeded from
#    /proc): a python client started first, queried after.
. "$(dirname "$0")/lib.sh"

dt_setup
dt_topo_veth
dt_start_nsd

# A long-running client, started before dnstrail: it waits for a signal
# file, sends one query (UDP, from python, not dig) and exits.
cat >"$DT_WORK/early.py" <<'EOF'
import os, socket, struct, sys, time
go = sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.05)
q = struct.pack('!HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0)
for label in sys.argv[3].split('.'):
    q += bytes([len(label)]) + label.encode()
q += b'\0' + struct.pack('!HH', 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(q, (sys.argv[1], 53))
s.recvfrom(4096)
EOF
ip netns exec "$DT_NS_C" python3 "$DT_WORK/early.py" "$DT_S4" "$DT_WORK/go" "mail.$DT_ZONE" &
EARLY_PID=$!
DT_PIDS+=($EARLY_PID)

dt_start

CG_ROOT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CID=$(printf '%064x' $((DT_ID * 7919)) | tail -c 64)
CG=""
if [[ -n "$CG_ROOT" ]]; then
	CG=$CG_ROOT/docker-$CID.scope
	mkdir "$CG"
fi
cleanup_cg() { [[ -n "$CG" ]] && rmdir "$CG" 2>/dev/null; true; }

# 1. in a container cgroup
if [[ -n "$CG" ]]; then
	# (join the cgroup before `ip netns exec`, which remounts /sys)
	sh -c "echo \$\$ >$CG/cgroup.procs && exec ip netns exec $DT_NS_C dig +tries=1 +timeout=3 @$DT_S4 txt2.$DT_ZONE TXT" \
		>"$DT_WORK/cg.out" 2>&1 || flunk "dig in the container cgroup failed: $(cat "$DT_WORK/cg.out")"
fi
# 2. relative exec path
(cd /usr/bin && dt_client "$DT_WORK/rel.out" ./dig +tries=1 +timeout=3 "@$DT_S4" "alias.$DT_ZONE" A
	echo "$CLIENT_PID $CLIENT_PPID" >"$DT_WORK/rel.pids")
read -r PID_rel PPID_rel <"$DT_WORK/rel.pids"
# 3. a dig that gives up after 1 s; the timeout event comes ~5 s later
dt_client "$DT_WORK/dead.out" dig +tries=1 +timeout=1 "@$DT_DEAD4" "gone.$DT_ZONE" A
PID_dead=$CLIENT_PID
PPID_dead=$CLIENT_PPID
# 4. the client that predates dnstrail
touch "$DT_WORK/go"
wait "$EARLY_PID" || flunk "the early client got no answer"

dt_wait_count "$(dt_q "gone.$DT_ZONE" A)" 1 10 || true
dt_stop INT
cleanup_cg

if [[ -n "$CG" ]]; then
	dt_one "container cgroup" "$(dt_q "txt2.$DT_ZONE" TXT)"
	expect_val "container: container.id" "$REC" '.container.id' "\"$CID\""
	expect_val "container: process.executable" "$REC" '.process.executable' '"/usr/bin/dig"'
else
	flunk "no cgroup2 mount found"
fi

dt_one "relative exec" "$(dt_q "alias.$DT_ZONE" A)"
dt_expect_process "relative exec" "$REC" "$PID_rel" "$PPID_rel" /usr/bin/dig 0
expect_jq "relative exec: no container" "$REC" '.container.id == null or .container.id == ""' '.container'

dt_one "timeout after the client exited" "$(dt_q "gone.$DT_ZONE" A)"
expect_val "timeout: status" "$REC" '.dnstrail.status' '"timeout"'
dt_expect_process "timeout" "$REC" "$PID_dead" "$PPID_dead" /usr/bin/dig 0

dt_one "client started before dnstrail" "$(dt_q "mail.$DT_ZONE" A)"
expect_val "early client: process.pid" "$REC" '.process.pid' "$EARLY_PID"
expect_jq "early client: executable is python" "$REC" '.process.executable | test("/python3")' '.process'
expect_val "early client: process.name" "$REC" '.process.name' '"python3"'

dt_finish
