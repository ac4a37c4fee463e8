# shellcheck shell=bash
# Shared harness of the live end-to-end tests (tests/live/e2e_*.sh).
#
# Every test builds its own world: uniquely named network namespaces joined
# by veth pairs (IPv4 + IPv6), NSD serving tests/live/zones/ in the server
# namespace, dnstrail capturing with --stdout=json into a file. Nothing
# leaves the machine and the host's resolver is never asked: clients get
# /etc/netns/NAME/resolv.conf pointing at our NSD. A trap tears it all down,
# also on failure.
#
# A test: source this file, dt_setup (root check, work directory, cleanup
# trap), a topology (dt_topo_veth or dt_topo_bridge), dt_start_nsd, dt_start
# (dnstrail), queries through dt_client (which records the client's pid),
# dt_stop (SIGINT flushes pending queries as timeouts), then assertions on
# the JSON (dt_one, expect_val, expect_jq, dt_expect_*) and dt_finish (exit 1
# when any assertion failed). Assertions count and go on; they never stop the
# test at the first failure, so one run reports every wrong field.
#
# Environment: DT_SRC (source tree), DT_BUILD (build dir with bin/dnstrail),
# DT_KEEP=1 keeps the work directory (kept anyway on failure),
# DT_READY_TIMEOUT (s, default 20), CI=true turns "not root" into a failure.

set -euo pipefail

DT_SRC=${DT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DT_BUILD=${DT_BUILD:-$DT_SRC/build}
DNSTRAIL=${DNSTRAIL:-$DT_BUILD/bin/dnstrail}
DNSTRAIL_SUB=${DNSTRAIL_SUB:-$DT_BUILD/bin/dnstrail-sub}
DT_ZONES=$DT_SRC/tests/live/zones
DT_ZONE=dnstrail.test
DT_SKIP=77 # ctest SKIP_RETURN_CODE

DT_ID=$$
DT_TEST=$(basename "$0" .sh)
DT_WORK=""
DT_NETNS=()   # namespaces to delete
DT_PIDS=()    # processes to kill at cleanup
DT_FAILS=0
DT_PASSES=0
DT_MISSING=0  # assertions on an event that was not there (counted as failures)
DT_PID=""     # dnstrail's pid while it runs
DT_OUT=""     # dnstrail stdout (JSON lines)
DT_ERR=""     # dnstrail stderr
DT_STATUS=""  # dnstrail exit status after dt_stop
DT_MINE=""    # after dt_stop: the events to or from our client only

# Addresses unique to this run (two tests never share a subnet): the client
# is .1 / ::1, the server .2 / ::2, .3 is the "nobody listens" address.
DT_NET4=10.$(((DT_ID >> 8) & 255)).$((DT_ID & 255))
DT_NET6=$(printf 'fd00:d7:%x:%x' $(((DT_ID >> 16) & 0xffff)) $((DT_ID & 0xffff)))
DT_C4=$DT_NET4.1
DT_S4=$DT_NET4.2
DT_DEAD4=$DT_NET4.3
DT_C6=$DT_NET6::1
DT_S6=$DT_NET6::2
DT_NS_C=dt${DT_ID}c
DT_NS_S=dt${DT_ID}s
DT_NS_B=dt${DT_ID}b

log() { printf '[%s %s] %s\n' "$(date +%T.%3N)" "$DT_TEST" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- assertions: count, never stop at the first failure -------------------

pass() { DT_PASSES=$((DT_PASSES + 1)); printf 'ok   - %s\n' "$*"; }
flunk() { DT_FAILS=$((DT_FAILS + 1)); printf 'FAIL - %s\n' "$*"; }

# an assertion about an event that is missing fails quietly: the missing
# event itself was already reported once
dt_missing() { DT_FAILS=$((DT_FAILS + 1)); DT_MISSING=$((DT_MISSING + 1)); }

# expect_eq DESC ACTUAL EXPECTED
expect_eq() {
	if [[ "$2" == "$3" ]]; then pass "$1"; else flunk "$1: expected '$3', got '$2'"; fi
}

# expect_ne DESC ACTUAL UNWANTED
expect_ne() {
	if [[ "$2" != "$3" ]]; then pass "$1"; else flunk "$1: got '$2'"; fi
}

# expect_val DESC RECORD JQ_PATH EXPECTED_JSON: the value at PATH equals the
# JSON value EXPECTED (type included: "53" is not 53).
expect_val() {
	local desc=$1 rec=$2 path=$3 want=$4 got
	if [[ -z "$rec" ]]; then dt_missing; return 0; fi
	got=$(jq -c "$path" <<<"$rec" 2>&1) || got="jq error: $got"
	if jq -en --argjson w "$want" --argjson g "${got:-null}" '$w == $g' >/dev/null 2>&1; then
		pass "$desc"
	else
		flunk "$desc: $path expected $want, got ${got:-nothing}"
	fi
}

# expect_jq DESC RECORD FILTER: FILTER is true on RECORD; on failure show SHOW
# (a jq path, default the whole record) so the report names the wrong value.
expect_jq() {
	local desc=$1 rec=$2 filter=$3 show=${4:-.}
	if [[ -z "$rec" ]]; then dt_missing; return 0; fi
	if jq -e "$filter" <<<"$rec" >/dev/null 2>&1; then
		pass "$desc"
	else
		flunk "$desc: ($filter) is false; $show = $(jq -c "$show" <<<"$rec" 2>&1 | head -c 600)"
	fi
}

# dt_finish: summary line and exit status of the test.
dt_finish() {
	log "$DT_PASSES passed, $DT_FAILS failed ($DT_MISSING of them about missing events)"
	if ((DT_FAILS > 0)); then
		local drops
		drops=$(tail -n 1 "${DT_ERR:-/dev/null}" 2>/dev/null | jq '.dnstrail_stats.kernel_drops // 0' 2>/dev/null || echo 0)
		if [[ "$drops" =~ ^[0-9]+$ ]] && ((drops > 0)); then
			log "NOTE: dnstrail counted $drops kernel_drops (ring buffer full): other DNS load on this host can explain missing events"
		fi
		if [[ -n "$DT_ERR" && -s "$DT_ERR" ]]; then
			log "dnstrail stderr (last 15 lines):"
			tail -n 15 "$DT_ERR" >&2 || true
		fi
		exit 1
	fi
	exit 0
}

# --- privileges and cleanup -----------------------------------------------

# Root is needed for namespaces and eBPF. Skips (77) when not root, except
# under CI=true where a skipped live suite would hide everything.
dt_require_root() {
	if ((EUID != 0)); then
		if [[ "${CI:-}" == true ]]; then
			die "live tests need root (CI=true: not skipping)"
		fi
		log "SKIP: live tests need root"
		exit $DT_SKIP
	fi
	local tool
	for tool in ip nsd dig jq; do
		command -v "$tool" >/dev/null || die "$tool not installed (scripts/install-deps.sh --test)"
	done
	[[ -x "$DNSTRAIL" ]] || die "$DNSTRAIL not built"
}

# dt_cleanup [STATUS]: STATUS from a trap that ran other commands first
# (trap 'rc=$?; other; dt_cleanup $rc' EXIT), else the status on entry.
dt_cleanup() {
	local rc=${1:-$?} pid ns
	set +e
	if [[ -n "$DT_PID" ]] && kill -0 "$DT_PID" 2>/dev/null; then
		kill -INT "$DT_PID" 2>/dev/null
		dt_wait_pid "$DT_PID" 5 || kill -KILL "$DT_PID" 2>/dev/null
	fi
	for pid in "${DT_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${DT_PIDS[@]}"; do
		dt_wait_pid "$pid" 3
	done
	for ns in "${DT_NETNS[@]}"; do
		# whatever still runs inside our own namespaces is ours
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	for pid in "${DT_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [[ -n "$DT_WORK" ]]; then
		if [[ "${DT_KEEP:-0}" == 1 || ($rc -ne 0 && $rc -ne $DT_SKIP) ]]; then
			log "work directory kept: $DT_WORK"
		else
			rm -rf "$DT_WORK"
		fi
	fi
	exit "$rc"
}

dt_setup() {
	dt_require_root
	dt_reap_stale
	DT_WORK=$(mktemp -d "/tmp/dnstrail-$DT_TEST.XXXXXX")
	chmod 755 "$DT_WORK"
	trap dt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# dt_wait_pid PID SECONDS: wait for a process to end; 1 on timeout.
dt_wait_pid() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
	return 0
}

# --- topologies ------------------------------------------------------------

dt_netns_add() {
	ip netns add "$1"
	DT_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# dt_resolv_conf NS SERVER: glibc in NS asks only our NSD.
dt_resolv_conf() {
	mkdir -p "/etc/netns/$1"
	printf 'nameserver %s\noptions attempts:1 timeout:2\n' "$2" >"/etc/netns/$1/resolv.conf"
	# keep the host's /etc/hosts out of the way too
	printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$1/hosts"
}

# dt_addr NS DEV: IPv4 + IPv6 (nodad: usable at once) on DEV, link up.
dt_addr() {
	local ns=$1 dev=$2 a4=$3 a6=$4
	ip -n "$ns" addr add "$a4/24" dev "$dev"
	ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
	ip -n "$ns" link set "$dev" up
}

# Client and server namespaces joined by one veth pair.
dt_topo_veth() {
	dt_netns_add "$DT_NS_C"
	dt_netns_add "$DT_NS_S"
	ip link add vc netns "$DT_NS_C" type veth peer name vs netns "$DT_NS_S"
	dt_addr "$DT_NS_C" vc "$DT_C4" "$DT_C6"
	dt_addr "$DT_NS_S" vs "$DT_S4" "$DT_S6"
	dt_resolv_conf "$DT_NS_C" "$DT_S4"
	dt_dead_neighbour
}

# Client -> bridge namespace (Linux bridge) -> server: the same query crosses
# four devices on its way.
dt_topo_bridge() {
	dt_netns_add "$DT_NS_C"
	dt_netns_add "$DT_NS_B"
	dt_netns_add "$DT_NS_S"
	ip link add vc netns "$DT_NS_C" type veth peer name bc netns "$DT_NS_B"
	ip link add vs netns "$DT_NS_S" type veth peer name bs netns "$DT_NS_B"
	ip -n "$DT_NS_B" link add br0 type bridge
	ip -n "$DT_NS_B" link set bc master br0
	ip -n "$DT_NS_B" link set bs master br0
	ip -n "$DT_NS_B" link set bc up
	ip -n "$DT_NS_B" link set bs up
	ip -n "$DT_NS_B" link set br0 up
	dt_addr "$DT_NS_C" vc "$DT_C4" "$DT_C6"
	dt_addr "$DT_NS_S" vs "$DT_S4" "$DT_S6"
	dt_resolv_conf "$DT_NS_C" "$DT_S4"
	dt_dead_neighbour
}

# Queries to DT_DEAD4 leave the client (a permanent neighbour entry, so no
# ARP wait holds them back) and are dropped unanswered by the server side:
# no reply, not even ICMP.
dt_dead_neighbour() {
	ip -n "$DT_NS_C" neigh add "$DT_DEAD4" lladdr 02:00:5e:00:00:01 dev vc nud permanent
}

# --- NSD -------------------------------------------------------------------

# dt_start_nsd [NS]: NSD authoritative for dnstrail.test on the server's IPv4
# and IPv6 addresses, port DT_NSD_PORT (default 53), foreground, without
# response rate limiting (a load test would measure that); waits until it
# answers.
dt_start_nsd() {
	local ns=${1:-$DT_NS_S} d=$DT_WORK/nsd i port=${DT_NSD_PORT:-53}
	mkdir -p "$d"
	cat >"$d/nsd.conf" <<-EOF
		server:
		  ip-address: $DT_S4
		  ip-address: $DT_S6
		  port: $port
		  do-ip4: yes
		  do-ip6: yes
		  server-count: 1
		  username: ""
		  chroot: ""
		  zonesdir: "$DT_ZONES"
		  database: ""
		  zonelistfile: "$d/zone.list"
		  xfrdfile: "$d/xfrd.state"
		  pidfile: "$d/nsd.pid"
		  logfile: "$d/nsd.log"
		  hide-version: yes
		  # answers up to what the client offers (the default caps them at
		  # 1232): lets e2e_frag send IP-fragmented UDP responses
		  ipv4-edns-size: 4096
		  ipv6-edns-size: 4096
		  verbosity: 1
		  rrl-ratelimit: 0
		  rrl-whitelist-ratelimit: 0
		remote-control:
		  control-enable: no
		zone:
		  name: $DT_ZONE
		  zonefile: "$DT_ZONES/$DT_ZONE.zone"
	EOF
	ip netns exec "$ns" nsd -d -c "$d/nsd.conf" >"$d/stdout" 2>&1 &
	DT_PIDS+=($!)
	for i in $(seq 50); do
		if ip netns exec "$DT_NS_C" dig +short +tries=1 +timeout=1 -p "$port" "@$DT_S4" "www.$DT_ZONE" A 2>/dev/null |
			grep -q 192.0.2.1; then
			log "nsd answering on $DT_S4 and $DT_S6"
			return 0
		fi
		sleep 0.2
	done
	cat "$d/nsd.log" "$d/stdout" >&2 2>/dev/null || true
	die "nsd did not answer"
}

# dt_dnsperf_queries FILE: a dnsperf query file over the test zone (A and
# AAAA of six names, answered and not)
dt_dnsperf_queries() {
	local n
	for n in www mail txt alias _sip._udp nothere; do
		printf '%s.%s A\n%s.%s AAAA\n' "$n" "$DT_ZONE" "$n" "$DT_ZONE"
	done >"$1"
}

# --- dnstrail --------------------------------------------------------------

# dt_start [ARGS...]: dnstrail --stdout=json, publishing on a private ipc
# socket (so no port is shared with anything else running), stdout to DT_OUT,
# stderr to DT_ERR. Waits until a probe query shows up in its output.
dt_start() {
	DT_OUT=$DT_WORK/dnstrail.json
	DT_ERR=$DT_WORK/dnstrail.err
	log "starting $DNSTRAIL --stdout=json $*"
	# a non-interactive shell starts background jobs with SIGINT ignored;
	# give dnstrail the default disposition a service manager would
	env --default-signal=INT,TERM,HUP \
		"$DNSTRAIL" --stdout=json --publish "ipc://$DT_WORK/pub.sock" "$@" >"$DT_OUT" 2>"$DT_ERR" &
	DT_PID=$!
	dt_wait_ready
}

# Once dnstrail says "ready:" (its programs attached; a probe in flight
# across the attach would come out as an orphan response), probe queries
# (probeN.wild.dnstrail.test) until one comes out: the first event proves
# the capture works and stdout is flushed per line.
dt_wait_ready() {
	local i deadline=$((SECONDS + ${DT_READY_TIMEOUT:-20}))
	while ((SECONDS < deadline)) && kill -0 "$DT_PID" 2>/dev/null &&
		! grep -q '^dnstrail: ready:' "$DT_ERR" 2>/dev/null; do
		sleep 0.1
	done
	for ((i = 1; SECONDS < deadline; i++)); do
		if ! kill -0 "$DT_PID" 2>/dev/null; then
			flunk "dnstrail exited during start-up"
			tail -n 20 "$DT_ERR" >&2
			return 0
		fi
		ip netns exec "$DT_NS_C" dig +tries=1 +timeout=1 "@$DT_S4" "probe$i.wild.$DT_ZONE" A >/dev/null 2>&1 || true
		if [[ $(dt_count "$(dt_probe)") -gt 0 ]]; then
			log "dnstrail ready (after $i probes)"
			return 0
		fi
		sleep 0.3
	done
	flunk "no 'ready:' line, or no event for the probe queries, within ${DT_READY_TIMEOUT:-20}s of start (not attached, or stdout not flushed per line)"
}

# dt_stop [SIGNAL]: stop dnstrail (SIGINT by default), wait, record status.
dt_stop() {
	local sig=${1:-INT}
	[[ -n "$DT_PID" ]] || return 0
	kill -"$sig" "$DT_PID" 2>/dev/null || true
	if ! dt_wait_pid "$DT_PID" 15; then
		flunk "dnstrail did not exit within 15 s of SIG$sig"
		kill -KILL "$DT_PID" 2>/dev/null || true
	fi
	set +e
	wait "$DT_PID"
	DT_STATUS=$?
	set -e
	DT_PID=""
	log "dnstrail exited with status $DT_STATUS; $(wc -l <"$DT_OUT") lines on stdout"
	DT_MINE=$DT_WORK/mine.json
	dt_grep_mine | jq -cR "fromjson? | objects | select($(dt_from_client) or $(dt_to_client))" \
		>"$DT_MINE" 2>/dev/null || true
}

# --- reading the output ----------------------------------------------------

# dt_select FILTER: the events (compact, one per line) for which FILTER holds;
# lines that are not JSON are ignored here (dt_expect_all_json checks them).
# After dt_stop only this test's events (DT_MINE) are searched: the host may
# be busy with other DNS traffic, which dnstrail captures too.
dt_select() {
	if [[ -n "$DT_MINE" ]]; then
		[[ -s "$DT_MINE" ]] || return 0
		jq -cR "fromjson? | objects | select($1)" "$DT_MINE" 2>/dev/null || true
	else
		dt_grep_mine | jq -cR "fromjson? | objects | select($1)" 2>/dev/null || true
	fi
}

# The lines that mention our client's addresses: a cheap first cut, so that
# polling stays fast while dnstrail also prints a busy host's traffic.
dt_grep_mine() {
	[[ -s "$DT_OUT" ]] || return 0
	grep -F -e "\"$DT_C4\"" -e "\"$DT_C6\"" "$DT_OUT" || true
}

dt_count() {
	dt_select "$1" | wc -l
}

# dt_wait_count FILTER N SECONDS: poll until at least N events match.
dt_wait_count() {
	local deadline=$((SECONDS + $3))
	while (($(dt_count "$1") < $2)); do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# jq filter: the start-up probes of dt_wait_ready. One that was in flight
# while the programs attached may come out as an orphan response.
dt_probe() {
	printf '((.dns.question.name // "") | test("^probe[0-9]+\\\\.wild\\\\."))'
}

# jq filter: events whose query came from our client (either family).
dt_from_client() {
	printf '(.source.ip == "%s" or .source.ip == "%s")' "$DT_C4" "$DT_C6"
}

dt_to_client() {
	printf '(.destination.ip == "%s" or .destination.ip == "%s")' "$DT_C4" "$DT_C6"
}

# dt_q NAME [TYPE] [TRANSPORT]: a jq filter for our client's events about
# NAME (no trailing dot), optionally of one question type and transport.
dt_q() {
	local f
	f="$(dt_from_client) and .dns.question.name == \"$1\""
	[[ -n "${2:-}" ]] && f+=" and .dns.question.type == \"$2\""
	[[ -n "${3:-}" ]] && f+=" and .network.transport == \"$3\""
	printf '%s' "$f"
}

# dt_one DESC FILTER: assert exactly one event matches; REC is set to it
# (empty when none, the first when several, so later assertions still run).
dt_one() {
	local desc=$1 n
	n=$(dt_count "$2")
	if ((n == 1)); then
		pass "$desc: exactly one event"
	else
		flunk "$desc: expected exactly one event, got $n"
		if ((n > 1)); then
			dt_select "$2" | jq -c '{status: .dnstrail.status, type: .dns.type, id: .dns.id,
				transport: .network.transport, src: .source, dst: .destination,
				pid: .process.pid, name: .process.name}' | head -n 8
		fi
	fi
	REC=$(dt_select "$2" | head -n 1)
}

# --- clients -----------------------------------------------------------------

# dt_client OUTFILE CMD...: run CMD in the client namespace through a shell
# that prints its pid and parent pid first and then execs CMD, so the pid
# that sends the query is known. Sets CLIENT_PID, CLIENT_PPID, CLIENT_RC.
dt_client() {
	local out=$1
	shift
	set +e
	ip netns exec "$DT_NS_C" sh -c 'echo "$$ $PPID"; exec "$@"' sh "$@" >"$out" 2>&1
	CLIENT_RC=$?
	set -e
	read -r CLIENT_PID CLIENT_PPID <"$out"
}

# dt_client_as UID OUTFILE CMD...: same, as another user (no groups).
dt_client_as() {
	local uid=$1 out=$2
	shift 2
	set +e
	ip netns exec "$DT_NS_C" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		sh -c 'echo "$$ $PPID"; exec "$@"' sh "$@" >"$out" 2>&1
	CLIENT_RC=$?
	set -e
	read -r CLIENT_PID CLIENT_PPID <"$out"
}

# dig_id FILE: the message id dig or kdig printed (";; ->>HEADER<<- ... id: N").
dig_id() {
	sed -n 's/.*->>HEADER<<-.*id: \([0-9]*\).*/\1/p' "$1" | tail -n 1
}

# dt_dig KEY USER DIG_ARGS...: one dig in the client namespace, as uid USER
# (0 = root), timeout DT_DIG_TIMEOUT seconds (default 2); its pid, parent pid
# and DNS id are remembered under KEY in the arrays PID, PPID_ and ID.
declare -A PID PPID_ ID
dt_dig() {
	local key=$1 user=$2 out=$DT_WORK/dig-$1.out
	shift 2
	if [[ "$user" == 0 ]]; then
		dt_client "$out" dig +tries=1 +timeout="${DT_DIG_TIMEOUT:-2}" "$@"
	else
		dt_client_as "$user" "$out" dig +tries=1 +timeout="${DT_DIG_TIMEOUT:-2}" "$@"
	fi
	PID[$key]=$CLIENT_PID
	PPID_[$key]=$CLIENT_PPID
	ID[$key]=$(dig_id "$out")
	[[ $CLIENT_RC == 0 && -n "${ID[$key]}" ]] || die "dig $* failed: $(cat "$out")"
}

# now_ns: wall clock in ns.
now_ns() { date +%s%N; }

# --- assertions shared by many tests -----------------------------------------

# dt_expect_common DESC RECORD: what every event of a completed transaction
# must carry (ECS constants, timestamp format, host name, status ok).
dt_expect_common() {
	local d=$1 r=$2
	expect_val "$d: event.kind" "$r" '.event.kind' '"event"'
	expect_val "$d: event.category" "$r" '.event.category' '["network"]'
	expect_val "$d: event.type" "$r" '.event.type' '["protocol"]'
	expect_val "$d: event.dataset" "$r" '.event.dataset' '"dnstrail.dns"'
	expect_val "$d: network.protocol" "$r" '.network.protocol' '"dns"'
	expect_jq "$d: @timestamp is RFC 3339 UTC with ns" "$r" \
		'."@timestamp" | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$")' '."@timestamp"'
	expect_val "$d: host.name" "$r" '.host.name' "\"$(cat /proc/sys/kernel/hostname)\""
}

# dt_expect_answered DESC RECORD: a query with its response.
dt_expect_answered() {
	local d=$1 r=$2
	dt_expect_common "$d" "$r"
	expect_val "$d: dnstrail.status" "$r" '.dnstrail.status' '"ok"'
	expect_val "$d: dns.type" "$r" '.dns.type' '"answer"'
	expect_val "$d: dns.op_code" "$r" '.dns.op_code' '"QUERY"'
	expect_jq "$d: event.duration > 0 ns and < 2 s" "$r" \
		'(.event.duration | type) == "number" and .event.duration > 0 and .event.duration < 2000000000' '.event.duration'
}

# dt_expect_process DESC RECORD PID PPID EXE UID: who sent the query.
dt_expect_process() {
	local d=$1 r=$2 pid=$3 ppid=$4 exe=$5 uid=$6
	expect_val "$d: process.pid" "$r" '.process.pid' "$pid"
	expect_val "$d: process.parent.pid" "$r" '.process.parent.pid' "$ppid"
	expect_val "$d: process.executable" "$r" '.process.executable' "\"$exe\""
	expect_val "$d: process.name" "$r" '.process.name' "\"$(basename "$exe")\""
	expect_jq "$d: process.thread.id is a number" "$r" '(.process.thread.id | type) == "number" and .process.thread.id > 0' '.process.thread'
	expect_jq "$d: user.id" "$r" "(.user.id | tostring) == \"$uid\"" '.user'
}

# dt_expect_net DESC RECORD TRANSPORT FAMILY SRC DST [SPORT]
dt_expect_net() {
	local d=$1 r=$2 tr=$3 fam=$4 src=$5 dst=$6 sport=${7:-}
	expect_val "$d: network.transport" "$r" '.network.transport' "\"$tr\""
	expect_val "$d: network.type" "$r" '.network.type' "\"$fam\""
	expect_val "$d: source.ip" "$r" '.source.ip' "\"$src\""
	expect_val "$d: destination.ip" "$r" '.destination.ip' "\"$dst\""
	expect_val "$d: destination.port" "$r" '.destination.port' 53
	if [[ -n "$sport" ]]; then
		expect_val "$d: source.port" "$r" '.source.port' "$sport"
	else
		expect_jq "$d: source.port is a port" "$r" '.source.port > 0 and .source.port < 65536' '.source'
	fi
}

# dt_expect_stats: the last stderr line after SIGINT is {"dnstrail_stats":{...}}
# with every counter the contract names, and transactions equals the number
# of events printed on stdout.
dt_expect_stats() {
	local last lines c
	expect_eq "dnstrail exit status after SIGINT" "$DT_STATUS" 0
	last=$(tail -n 1 "$DT_ERR" 2>/dev/null || true)
	if [[ -z "$last" ]] || ! jq -e '.dnstrail_stats | type == "object"' <<<"$last" >/dev/null 2>&1; then
		flunk "last stderr line is not {\"dnstrail_stats\":{...}}: '${last:0:300}'"
		return 0
	fi
	pass "last stderr line is the dnstrail_stats object"
	for c in packets_captured messages_decoded malformed transactions timeouts kernel_drops \
		events_published output_drops; do
		expect_jq "stats.$c is a counter" "$last" ".dnstrail_stats.$c | type == \"number\" and . >= 0" ".dnstrail_stats.$c"
	done
	lines=$(wc -l <"$DT_OUT")
	expect_val "stats.transactions equals the $lines events printed" "$last" '.dnstrail_stats.transactions' "$lines"
	# drops are a fault only when this test's own handful of queries was all
	# there was; under someone else's flood they are the documented outcome
	if ((lines <= 1000)); then
		expect_val "stats.kernel_drops on a quiet host" "$last" '.dnstrail_stats.kernel_drops' 0
	else
		log "busy host ($lines events): kernel_drops = $(jq -c .dnstrail_stats.kernel_drops <<<"$last"), not asserted"
	fi
}

# Every stdout line is one JSON object with an event. A busy host can make
# the file huge: beyond 20 MB only our lines and the first and last 20000 are
# parsed.
dt_expect_all_json() {
	local total good what=every
	total=$(wc -l <"$DT_OUT")
	if (($(stat -c %s "$DT_OUT") <= 20000000)); then
		good=$(jq -cR 'fromjson? | objects | select(.event)' "$DT_OUT" 2>/dev/null | wc -l)
	else
		what="a sample of"
		total=$( { head -n 20000 "$DT_OUT"; tail -n 20000 "$DT_OUT"; dt_grep_mine; } | wc -l)
		good=$( { head -n 20000 "$DT_OUT"; tail -n 20000 "$DT_OUT"; dt_grep_mine; } |
			jq -cR 'fromjson? | objects | select(.event)' 2>/dev/null | wc -l)
	fi
	expect_eq "$what stdout lines ($total) are JSON events" "$good" "$total"
}

# Namespaces of earlier runs that were killed before their cleanup (ctest's
# timeout sends SIGKILL): named dt<pid>?, their creator gone, nothing inside.
dt_reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^dt[0-9]+[a-z]$' || true); do
		pid=${ns#dt}
		pid=${pid%?}
		if ! kill -0 "$pid" 2>/dev/null && [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]]; then
			ip netns del "$ns" 2>/dev/null && rm -rf "/etc/netns/$ns"
		fi
	done
}
