# SPDX-License-Identifier: MIT
# Shared helpers of the dnstrail benchmark scripts; sourced, never run.
#
# Topology (all on this machine, nothing leaves it):
#   netns $DTB_NS_C (dnsperf, iperf3 client) --veth-- netns $DTB_NS_S (NSD, iperf3 server)
# dnstrail runs in the root namespace: its tracepoints are global, so it sees
# both ends of the veth.

DTB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DTB_BENCH="$DTB_ROOT/bench"

: "${DTB_DURATION:=10}"		# seconds of dnsperf per run
: "${DTB_ROUNDS:=3}"		# alternated rounds (overhead)
: "${DTB_CLIENTS:=20}"		# dnsperf -c
: "${DTB_OUTSTANDING:=200}"	# dnsperf -q
: "${DTB_BUILD:=$DTB_ROOT/build}"
: "${DTB_OUT:=$PWD/bench-results}"
: "${DTB_PORT:=5599}"		# ZeroMQ port of the benchmarked daemon
: "${DTB_ENDPOINT:=}"		# ZeroMQ endpoint daemon <-> subscriber; "" = tcp://127.0.0.1:DTB_PORT
: "${DTB_NS_C:=dtbench-c}"
: "${DTB_NS_S:=dtbench-s}"
: "${DTB_IP_C:=10.213.8.1}"
: "${DTB_IP_S:=10.213.8.2}"
: "${DTB_ZONE:=bench.test}"
: "${DTB_NAMES:=20000}"		# distinct query names (cycle >= 0.2 s at 100 k q/s)
: "${DTB_PEERS=tshark-pcap tshark-decode dnscap}" # set but empty: no peers
: "${DTB_NO_INSTALL:=}"		# set to skip apt-get
: "${DTB_KEEP:=}"		# set to keep the work directory

DTB_PY=/usr/bin/python3
DTB_PIDS=()

dtb_log() { printf '[%s %s] %s\n' "$(date +%T)" "${DTB_SCENARIO:-bench}" "$*" >&2; }
dtb_die() { dtb_log "error: $*"; exit 1; }

# Common flags; a script sets DTB_USAGE (its own text) before calling this.
dtb_parse_args()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		-d|--duration) DTB_DURATION=$2; shift ;;
		-r|--rounds) DTB_ROUNDS=$2; shift ;;
		-c|--clients) DTB_CLIENTS=$2; shift ;;
		-q|--outstanding) DTB_OUTSTANDING=$2; shift ;;
		-b|--build) DTB_BUILD=$2; shift ;;
		-o|--out) DTB_OUT=$2; shift ;;
		-p|--port) DTB_PORT=$2; shift ;;
		-e|--endpoint) DTB_ENDPOINT=$2; shift ;;
		--peers) DTB_PEERS=$2; shift ;;
		--no-install) DTB_NO_INSTALL=1 ;;
		--keep) DTB_KEEP=1 ;;
		-h|--help) dtb_usage; exit 0 ;;
		*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
		esac
		shift
	done
}

dtb_usage()
{
	cat <<EOF
usage: $(basename "$0") [options]

${DTB_USAGE:-}

Common options (each also an environment variable):
  -d, --duration S     seconds of load per run          DTB_DURATION=$DTB_DURATION
  -r, --rounds N       alternated rounds                DTB_ROUNDS=$DTB_ROUNDS
  -c, --clients N      dnsperf clients (-c)             DTB_CLIENTS=$DTB_CLIENTS
  -q, --outstanding N  dnsperf outstanding queries (-q) DTB_OUTSTANDING=$DTB_OUTSTANDING
  -b, --build DIR      build dir with bin/dnstrail      DTB_BUILD=$DTB_BUILD
  -o, --out DIR        results directory                DTB_OUT=$DTB_OUT
  -p, --port N         ZeroMQ port for the daemon       DTB_PORT=$DTB_PORT
  -e, --endpoint URL   daemon -> subscriber endpoint    DTB_ENDPOINT (tcp://127.0.0.1:PORT;
                       ipc:///run/dtbench.sock is the cheaper choice for a subscriber on the host)
      --peers LIST     peers to compare ("" = none)     DTB_PEERS="$DTB_PEERS"
      --no-install     do not apt-get missing tools     DTB_NO_INSTALL
      --keep           keep the work directory          DTB_KEEP
  -h, --help           this text
Also: DTB_NAMES (query names, $DTB_NAMES), DTB_SUB_TIMEOUT (dnstrail-sub idle exit, 4 s),
DTB_NS_C / DTB_NS_S (namespace names), DTB_IP_C / DTB_IP_S (veth addresses),
DTB_DAEMON_ARGS (extra dnstrail arguments, e.g. "-c batch.yaml"; --publish is merged in),
DTB_SCHED (chrt policy flag for every thread of dnstrail and dnstrail-sub, e.g. -b for
SCHED_BATCH: no preemption of the load at each wake-up), DTB_CPUS (a taskset CPU list
for every thread of both and for the peers' capture tools, e.g. 1),
DTB_LOAD_CPUS (a taskset CPU list for NSD and dnsperf, e.g. 0: with DTB_CPUS=1, a host
whose DNS load leaves a CPU free for dnstrail; the veth's packets are handled on the
sender's CPU, so the load's softirq work stays there too),
DTB_EVENTS_DIR (where dnstrail-sub writes its JSON; default the work directory in /tmp),
DTB_ZMQ_PAYLOAD (bytes per message of the bare ZeroMQ reference runs).

Runs as root. Creates network namespaces $DTB_NS_C and $DTB_NS_S joined by a veth
($DTB_IP_C <-> $DTB_IP_S); NSD serves $DTB_ZONE there. Traffic never leaves the machine.
Every run ends with a table on stdout; results also go to \$DTB_OUT/<scenario>.tsv.
EOF
}

# Where the benchmarked daemon publishes and its subscriber connects.
dtb_endpoint() { echo "${DTB_ENDPOINT:-tcp://127.0.0.1:$DTB_PORT}"; }

dtb_need_root() { [ "$(id -u)" = 0 ] || dtb_die "must run as root (namespaces, eBPF)"; }

# Installs the Debian packages behind missing commands (peers only when asked for).
dtb_install_deps()
{
	local missing=() cmd pkg pair
	local need=(dnsperf:dnsperf nsd:nsd kdig:knot-dnsutils iperf3:iperf3 tcpdump:tcpdump
		    jq:jq bpftool:bpftool cc:gcc pkg-config:pkg-config ethtool:ethtool python3:python3)
	case " $DTB_PEERS " in *" tshark-"*) need+=(tshark:tshark) ;; esac
	case " $DTB_PEERS " in *" dnscap "*) need+=(dnscap:dnscap) ;; esac
	[ -z "${DTB_MEM_DROPS:-}" ] || need+=(curl:curl)
	for pair in "${need[@]}"; do
		cmd=${pair%%:*} pkg=${pair#*:}
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	done
	[ -x "$DTB_PY" ] || missing+=(python3)
	[ ${#missing[@]} -eq 0 ] && return 0
	[ -n "$DTB_NO_INSTALL" ] && dtb_die "missing packages: ${missing[*]}"
	dtb_log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 \
		"${missing[@]}" >&2 || dtb_die "apt-get install failed"
}

# Packets in a pcap file (classic format, as tcpdump writes it).
dtb_pcap_count()
{
	"$DTB_PY" - "$1" <<'EOF'
import struct, sys
with open(sys.argv[1], "rb") as f:
    magic = f.read(24)[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    n = 0
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        f.seek(struct.unpack(end + "IIII", h)[2], 1)
        n += 1
print(n)
EOF
}

dtb_have_dnstrail()
{
	[ -x "$DTB_BUILD/bin/dnstrail" ] && [ -x "$DTB_BUILD/bin/dnstrail-sub" ]
}

# One benchmark at a time on a host: two would share namespace names and,
# worse, measure each other. run-all.sh and the smoke test take the lock once
# and pass DTB_LOCKED=1 down. Waits DTB_LOCK_WAIT seconds (default 1800).
dtb_lock()
{
	[ -n "${DTB_LOCKED:-}" ] && return 0
	exec 8>/run/lock/dnstrail-bench.lock || dtb_die "cannot open the lock file"
	if ! flock -n 8; then
		dtb_log "waiting for another benchmark on this host (lock /run/lock/dnstrail-bench.lock)"
		flock -w "${DTB_LOCK_WAIT:-1800}" 8 || dtb_die "another benchmark holds the lock"
	fi
	export DTB_LOCKED=1
}

# Work directory, cleanup trap, output directory.
dtb_init()
{
	DTB_SCENARIO=${DTB_SCENARIO:-$(basename "$0" .sh)}
	dtb_need_root
	dtb_lock
	dtb_install_deps
	mkdir -p "$DTB_OUT"
	DTB_OUT=$(cd "$DTB_OUT" && pwd)
	DTB_WORK=$(mktemp -d /tmp/dnstrail-bench.XXXXXX)
	DTB_TSV="$DTB_OUT/$DTB_SCENARIO.tsv"
	: >"$DTB_TSV"
	trap dtb_cleanup EXIT
	trap 'exit 130' INT TERM
}

dtb_cleanup()
{
	local pid ns
	set +e
	for pid in "${DTB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ns in "$DTB_NS_C" "$DTB_NS_S"; do
		# only processes this script started live in these namespaces
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	sleep 0.3
	for ns in "$DTB_NS_C" "$DTB_NS_S"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	if [ -n "${DTB_BPF_STATS_OLD:-}" ]; then
		sysctl -q -w kernel.bpf_stats_enabled="$DTB_BPF_STATS_OLD" >/dev/null
	fi
	if [ -n "$DTB_KEEP" ]; then
		dtb_log "work directory kept: $DTB_WORK"
	else
		rm -rf "$DTB_WORK"
	fi
}

dtb_net_up()
{
	local ns
	for ns in "$DTB_NS_C" "$DTB_NS_S"; do
		ip netns del "$ns" 2>/dev/null || true
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		mkdir -p "/etc/netns/$ns"
		echo "nameserver $DTB_IP_S" >"/etc/netns/$ns/resolv.conf"
	done
	ip -n "$DTB_NS_C" link add dtb-c type veth peer name dtb-s netns "$DTB_NS_S"
	ip -n "$DTB_NS_C" addr add "$DTB_IP_C/24" dev dtb-c
	ip -n "$DTB_NS_S" addr add "$DTB_IP_S/24" dev dtb-s
	ip -n "$DTB_NS_C" link set dtb-c up
	ip -n "$DTB_NS_S" link set dtb-s up
}

# Test zone: A for every name, AAAA for every 5th, a few MX/TXT; the query
# file mixes in 5 % NXDOMAIN names. Also big0..big999 with 16 A records each
# (answers of ~324 bytes, past the kernel side's 128-byte word copy), asked
# by queries-big.txt (dtb_load dnsbig).
dtb_zone_files()
{
	"$DTB_PY" - "$DTB_WORK" "$DTB_ZONE" "$DTB_NAMES" <<'EOF'
import random, sys
work, zone, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(f"{work}/{zone}.zone", "w") as z:
    z.write(f"$ORIGIN {zone}.\n$TTL 300\n"
            f"@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\n"
            f"ns1 IN A 10.213.8.2\n@ IN MX 10 mail\nmail IN A 192.0.2.25\n"
            f'@ IN TXT "dnstrail benchmark zone"\n')
    for i in range(n):
        z.write(f"h{i} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
        if i % 5 == 0:
            z.write(f"h{i} IN AAAA 2001:db8::{i:x}\n")
    for i in range(1000):
        for j in range(16):
            z.write(f"big{i} IN A 10.250.{i % 250}.{j + 1}\n")
rnd = random.Random(8)
lines = []
for i in range(n):
    r = rnd.random()
    if r < 0.05:
        lines.append(f"nx{i}.{zone} A")
    elif r < 0.25:
        lines.append(f"h{i - i % 5}.{zone} AAAA")
    elif r < 0.27:
        lines.append(f"{zone} MX")
    else:
        lines.append(f"h{i}.{zone} A")
rnd.shuffle(lines)
with open(f"{work}/queries.txt", "w") as q:
    q.write("\n".join(lines) + "\n")
big = [f"big{i}.{zone} A" for i in range(1000)]
rnd.shuffle(big)
with open(f"{work}/queries-big.txt", "w") as q:
    q.write("\n".join(big) + "\n")
EOF
}

dtb_nsd_up()
{
	dtb_zone_files
	cat >"$DTB_WORK/nsd.conf" <<EOF
server:
	ip-address: $DTB_IP_S
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$DTB_WORK"
	pidfile: "$DTB_WORK/nsd.pid"
	xfrdfile: "$DTB_WORK/xfrd.state"
	zonelistfile: "$DTB_WORK/zone.list"
	database: ""
	logfile: "$DTB_WORK/nsd.log"
	server-count: 1
	verbosity: 0
	# response rate limiting would throttle the single benchmark client
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: $DTB_ZONE
	zonefile: $DTB_ZONE.zone
EOF
	ip netns exec "$DTB_NS_S" $(dtb_pin "${DTB_LOAD_CPUS:-}") nsd -d -c "$DTB_WORK/nsd.conf" >"$DTB_WORK/nsd.out" 2>&1 &
	DTB_PIDS+=($!)
	local i
	for i in $(seq 1 50); do
		if ip netns exec "$DTB_NS_C" kdig +short +timeout=1 +retry=0 "@$DTB_IP_S" \
			"h1.$DTB_ZONE" A 2>/dev/null | grep -q '^10\.'; then
			return 0
		fi
		sleep 0.2
	done
	cat "$DTB_WORK/nsd.out" "$DTB_WORK/nsd.log" >&2 2>/dev/null
	dtb_die "NSD did not answer"
}

dtb_setup()
{
	dtb_net_up
	dtb_nsd_up
	dtb_log "namespaces $DTB_NS_C/$DTB_NS_S up, NSD answering on $DTB_IP_S"
}

# dtb_dnsperf OUTFILE [dnsperf args...]: full-speed run unless args say otherwise.
# Sets DNSPERF_QPS, DNSPERF_COMPLETED, DNSPERF_LOST.
dtb_dnsperf()
{
	local out=$1
	shift
	ip netns exec "$DTB_NS_C" $(dtb_pin "${DTB_LOAD_CPUS:-}") dnsperf -s "$DTB_IP_S" -d "$DTB_WORK/queries.txt" \
		-c "$DTB_CLIENTS" -q "$DTB_OUTSTANDING" -l "$DTB_DURATION" "$@" >"$out" 2>&1 || true
	DNSPERF_QPS=$(awk '/Queries per second:/ {printf "%.0f\n", $4}' "$out")
	DNSPERF_COMPLETED=$(awk '/Queries completed:/ {print $3}' "$out")
	DNSPERF_LOST=$(awk '/Queries lost:/ {print $3}' "$out")
	[ -n "$DNSPERF_QPS" ] || { cat "$out" >&2; dtb_die "dnsperf failed"; }
}

# dtb_build_tool NAME PKG [LIBS...]: builds bench/NAME.c (a bench tool, not
# part of the product) into $DTB_WORK/NAME against the pkg-config package PKG,
# once per run; the compiler's errors go to $DTB_WORK/NAME-build.err.
# Non-zero when the build fails.
dtb_build_tool()
{
	local name=$1 pkg=$2
	shift 2
	[ -x "$DTB_WORK/$name" ] && return 0
	# shellcheck disable=SC2046 # pkg-config prints several words
	cc -O2 -o "$DTB_WORK/$name" "$DTB_BENCH/$name.c" ${pkg:+$(pkg-config --cflags --libs "$pkg")} "$@" \
		2>"$DTB_WORK/$name-build.err"
}

# Builds bench/bpf_floor.bpf.c (empty programs on dnstrail's two packet
# tracepoints) and its loader bench/bpf_floor.c into DTB_WORK; fails without
# clang or libbpf-dev, with the reason in DTB_WORK/bpf_floor-build.err.
dtb_build_floor()
{
	[ -x "$DTB_WORK/bpf_floor" ] && [ -f "$DTB_WORK/bpf_floor.bpf.o" ] && return 0
	command -v clang >/dev/null || {
		echo "clang not found" >"$DTB_WORK/bpf_floor-build.err"
		return 1
	}
	clang -O2 -g -target bpf -I"$DTB_ROOT/bpf" -c "$DTB_BENCH/bpf_floor.bpf.c" \
		-o "$DTB_WORK/bpf_floor.bpf.o" 2>"$DTB_WORK/bpf_floor-build.err" &&
		dtb_build_tool bpf_floor libbpf
}

# Builds bench/zmq_send_rate.c; sets DTB_ZSR to its path.
dtb_build_zsr()
{
	DTB_ZSR="$DTB_WORK/zmq_send_rate"
	dtb_build_tool zmq_send_rate libzmq -lpthread ||
		dtb_die "cannot build zmq_send_rate (libzmq3-dev, gcc): $(head -3 "$DTB_WORK/zmq_send_rate-build.err")"
}

# dtb_zsr_cpu100k OUTPUT [KEY]: CPU s per 100k messages from a zmq_send_rate
# line ("sent=N ... cpu_s=C", with -p also pub_cpu_s= and sub_cpu_s=); KEY
# picks which CPU (default cpu_s); "?" when the line lacks it.
dtb_zsr_cpu100k()
{
	awk -v key="${2:-cpu_s}" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { if (v["sent"] > 0 && key in v) printf "%.4f\n", v[key] / v["sent"] * 1e5; else print "?" }' <<<"$1"
}

# dtb_zsr_field OUTPUT KEY: the value of KEY= in a zmq_send_rate line, or
# nothing when the line lacks it.
dtb_zsr_field()
{
	awk -v key="$2" '{ for (i = 1; i <= NF; i++) if (index($i, key "=") == 1) print substr($i, length(key) + 2) }' <<<"$1"
}

# dtb_zmq_cpu100k RATE SECONDS PAYLOAD: CPU s per 100k messages that the bare
# ZeroMQ transport costs (PUB + SUB, TCP loopback, their I/O threads) at RATE
# messages a second, paced as the daemon sends; "?" if the run failed.
dtb_zmq_cpu100k()
{
	local out
	dtb_build_zsr
	out=$("$DTB_ZSR" $(($1 * $2)) "$3" $((DTB_PORT + 1)) "$1") || { echo "?"; return; }
	dtb_zsr_cpu100k "$out"
}

# dtb_zmq_split_cpu100k RATE SECONDS PAYLOAD [TICK_MS]: the same with PUB and
# SUB in two processes, as the daemon and dnstrail-sub run, in bursts every
# TICK_MS (1) ms: "PUB SUB" CPU s per 100k messages, each process with its own
# I/O thread; "? ?" if the run failed.
dtb_zmq_split_cpu100k()
{
	local out
	dtb_build_zsr
	out=$("$DTB_ZSR" -p $(($1 * $2)) "$3" $((DTB_PORT + 1)) "$1" "${4:-1}") || { echo "? ?"; return; }
	echo "$(dtb_zsr_cpu100k "$out" pub_cpu_s) $(dtb_zsr_cpu100k "$out" sub_cpu_s)"
}

# CPU seconds (utime+stime) of a live process; "?" once it is gone.
dtb_cpu()
{
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.3f\n", ($12 + $13) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo "?"
}

# Waits (at most 15 s) until a process has used < 10 ms of CPU in 0.5 s.
dtb_wait_idle()
{
	local i a b
	b=$(dtb_cpu "$1")
	for i in $(seq 1 30); do
		sleep 0.5
		a=$b
		b=$(dtb_cpu "$1")
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.01) }' && return 0
	done
	dtb_log "pid $1 still busy after 15 s"
}

dtb_status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }

# RSS (kB) of the BPF map mmaps (the ring buffer) inside a process.
dtb_bpf_map_rss_kb()
{
	awk '/^[0-9a-f]+-[0-9a-f]+ / { inmap = ($0 ~ /bpf/) }
	     inmap && $1 == "Rss:" { s += $2 } END { print s + 0 }' "/proc/$1/smaps" 2>/dev/null
}

# dtb_pin CPULIST: the command prefix that starts a program (and its
# children) on those CPUs; nothing for an empty list. For the load (NSD,
# dnsperf: DTB_LOAD_CPUS) and the peers' capture tools (tshark and its
# dumpcap, dnscap, bpf_dump: DTB_CPUS, where dnstrail runs).
dtb_pin()
{
	if [ -n "${1:-}" ]; then
		echo taskset -c "$1"
	fi
}

# dtb_sched PID: DTB_SCHED (chrt's policy flag, e.g. "-b" for SCHED_BATCH)
# and DTB_CPUS (taskset's CPU list) for every thread of PID.
dtb_sched()
{
	if [ -n "${DTB_SCHED:-}" ]; then
		chrt "$DTB_SCHED" -a -p 0 "$1" >/dev/null || dtb_die "chrt $DTB_SCHED -a -p 0 $1 failed"
	fi
	if [ -n "${DTB_CPUS:-}" ]; then
		taskset -a -p -c "$DTB_CPUS" "$1" >/dev/null || dtb_die "taskset -a -p -c $DTB_CPUS $1 failed"
	fi
	return 0
}

# Packets sent on either end of the bench veth (each packet is sent once).
dtb_veth_packets()
{
	local c s
	c=$(ip netns exec "$DTB_NS_C" cat /sys/class/net/dtb-c/statistics/tx_packets)
	s=$(ip netns exec "$DTB_NS_S" cat /sys/class/net/dtb-s/statistics/tx_packets)
	echo $((c + s))
}

# dtb_load KIND: one load of DTB_DURATION seconds across the bench veth, for
# the BPF scenarios. dns: dnsperf (at DTB_BPF_QPS q/s if set and not 0, else
# full speed); dnsbig: the same with queries-big.txt (~324-byte answers);
# udp: iperf3 -u, 1200-byte datagrams; tcp: iperf3 (writes of
# DTB_BPF_TCP_LEN bytes if set, else iperf3's 128 KiB). iperf3 gets a
# one-shot server in DTB_NS_S first. Output goes to stdout/stderr.
dtb_load()
{
	local extra=()
	case "$1" in
	dns | dnsbig)
		local qf=$DTB_WORK/queries.txt
		[ "$1" = dnsbig ] && qf=$DTB_WORK/queries-big.txt
		[ "${DTB_BPF_QPS:-0}" != 0 ] && extra=(-Q "$DTB_BPF_QPS")
		ip netns exec "$DTB_NS_C" $(dtb_pin "${DTB_LOAD_CPUS:-}") dnsperf -s "$DTB_IP_S" -d "$qf" \
			-c "$DTB_CLIENTS" -q "$DTB_OUTSTANDING" -l "$DTB_DURATION" "${extra[@]}"
		return ;;
	udp) extra=(-u -b 0 -l 1200) ;;
	tcp) [ -n "${DTB_BPF_TCP_LEN:-}" ] && extra=(-l "$DTB_BPF_TCP_LEN") ;;
	*) dtb_die "dtb_load: no load '$1' (dns, dnsbig, udp, tcp)" ;;
	esac
	ip netns exec "$DTB_NS_S" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	DTB_PIDS+=($!)
	sleep 0.5
	ip netns exec "$DTB_NS_C" iperf3 -c "$DTB_IP_S" -p 5201 -t "$DTB_DURATION" "${extra[@]}"
}

# dtb_daemon_start TAG [extra dnstrail args]: live capture, publishing on DTB_PORT.
dtb_daemon_start()
{
	local tag=$1
	shift
	DTB_DAEMON_ERR="$DTB_WORK/dnstrail-$tag.err"
	# shellcheck disable=SC2086 # DTB_DAEMON_ARGS: words on purpose
	"$DTB_BUILD/bin/dnstrail" --publish "$(dtb_endpoint)" "$@" ${DTB_DAEMON_ARGS:-} \
		>"$DTB_WORK/dnstrail-$tag.out" 2>"$DTB_DAEMON_ERR" &
	DTB_DAEMON_PID=$!
	DTB_PIDS+=($DTB_DAEMON_PID)
	# ready once its BPF programs are loaded (or after 5 s)
	local i
	DTB_DAEMON_LOAD_HWM=
	for i in $(seq 1 50); do
		kill -0 "$DTB_DAEMON_PID" 2>/dev/null || {
			cat "$DTB_DAEMON_ERR" >&2
			dtb_die "dnstrail exited at start"
		}
		# VmHWM while the ring buffer is not mapped yet: the peak of loading
		# (libbpf parses the kernel's BTF, then frees it); a lower bound
		[ "$(dtb_bpf_map_rss_kb "$DTB_DAEMON_PID")" -lt 1024 ] &&
			DTB_DAEMON_LOAD_HWM=$(dtb_status_kb "$DTB_DAEMON_PID" VmHWM)
		[ -n "$(dtb_bpf_prog_ids "$DTB_DAEMON_PID")" ] && break
		sleep 0.1
	done
	dtb_sched "$DTB_DAEMON_PID"
	sleep 0.5
	# what it attached ("input ebpf.0 attached (tag dns; 2 ring buffers of ...)"),
	# logged once its inputs are all set up
	for i in $(seq 1 50); do
		grep -q ' attached' "$DTB_DAEMON_ERR" && break
		sleep 0.1
	done
	dtb_log "dnstrail ($tag): $(grep -m1 -o 'input .* attached.*' "$DTB_DAEMON_ERR")"
}

# Stops the daemon and waits for its flush; sets DTB_DAEMON_STATS (JSON).
dtb_daemon_stop()
{
	kill -INT "$DTB_DAEMON_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$DTB_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DTB_DAEMON_PID" 2>/dev/null; then
		dtb_log "dnstrail did not stop in 10 s after SIGINT; killing"
		kill -9 "$DTB_DAEMON_PID"
	fi
	wait "$DTB_DAEMON_PID" 2>/dev/null
	DTB_DAEMON_RC=$?
	dtb_log "dnstrail stopped in $((i / 10)).$((i % 10)) s (exit $DTB_DAEMON_RC)"
	DTB_DAEMON_STATS=$(grep -h '"dnstrail_stats"' "$DTB_DAEMON_ERR" | tail -1)
	[ -n "$DTB_DAEMON_STATS" ] || DTB_DAEMON_STATS='{"dnstrail_stats":{}}'
}

# dtb_sub_start TAG [FILE]: JSON subscriber writing to FILE, by default
# events-TAG.json in DTB_EVENTS_DIR (default: the work directory, under /tmp).
dtb_sub_start()
{
	local tag=$1
	DTB_SUB_OUT=${2:-${DTB_EVENTS_DIR:-$DTB_WORK}/events-$tag.json}
	DTB_SUB_ERR="$DTB_WORK/sub-$tag.err"
	"$DTB_BUILD/bin/dnstrail-sub" --connect "$(dtb_endpoint)" --format json \
		-o "$DTB_SUB_OUT" --timeout "${DTB_SUB_TIMEOUT:-4}" 2>"$DTB_SUB_ERR" &
	DTB_SUB_PID=$!
	DTB_PIDS+=($DTB_SUB_PID)
	sleep 0.5 # for the subscription to reach the publisher
	dtb_sched "$DTB_SUB_PID"
}

# Waits for the subscriber's idle timeout; sets DTB_SUB_STATS (JSON).
dtb_sub_wait()
{
	local i
	for i in $(seq 1 600); do
		kill -0 "$DTB_SUB_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -INT "$DTB_SUB_PID" 2>/dev/null
	wait "$DTB_SUB_PID" 2>/dev/null
	dtb_log "dnstrail-sub done after $((i / 10)).$((i % 10)) s"
	DTB_SUB_STATS=$(grep -h '"dnstrail_sub_stats"' "$DTB_SUB_ERR" | tail -1)
	[ -n "$DTB_SUB_STATS" ] || DTB_SUB_STATS='{"dnstrail_sub_stats":{}}'
}

# dtb_stat JSON KEY: a counter from a stats line, "?" when absent.
dtb_stat()
{
	printf '%s' "$1" | jq -r "(.dnstrail_stats // .dnstrail_sub_stats).$2 // \"?\"" 2>/dev/null ||
		echo "?"
}

# IDs of the BPF programs a process holds, from its fds' fdinfo (bpftool 7.1
# on Debian lists no holder pids).
dtb_bpf_prog_ids()
{
	local fd
	for fd in /proc/"$1"/fd/*; do
		case "$(readlink "$fd" 2>/dev/null)" in
		anon_inode:bpf-prog|anon_inode:bpf_link)
			awk '$1 == "prog_id:" {print $2}' "/proc/$1/fdinfo/${fd##*/}" 2>/dev/null ;;
		esac
	done | sort -un
}

# Analyses a subscriber's JSON file: our bench traffic only (client IP, zone).
# Prints "key=value" lines; see analyze_events.py.
dtb_analyze()
{
	"$DTB_PY" "$DTB_BENCH/analyze_events.py" --client "$DTB_IP_C" --zone "$DTB_ZONE" "$@"
}

# Results: one row per metric; printed as a table at the end.
dtb_result() # metric value target note
{
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "${3:-}" "${4:-}" >>"$DTB_TSV"
}

dtb_table()
{
	"$DTB_PY" "$DTB_BENCH/table.py" "$@"
}

# medians and spreads skip what is not a number ("?": not measured)
dtb_median() { tr ' ' '\n' | grep -E '^-?[0-9.]+$' | sort -g | awk '{a[NR]=$1} END {
	if (NR == 0) { print "?"; exit }
	m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
	s = sprintf("%.4f", m); sub(/0+$/, "", s); sub(/\.$/, "", s); print s }'; }
dtb_minmax() { tr ' ' '\n' | grep -E '^-?[0-9.]+$' | sort -g | awk 'NR == 1 {lo=$1} {hi=$1}
	END { if (NR) printf "%s..%s\n", lo, hi; else print "?" }'; }
# dtb_cpu100k CPU0 CPU1 TRANSACTIONS: CPU-s per 100 000 transactions
dtb_cpu100k() { awk -v c="$2" -v d="$1" -v t="$3" 'BEGIN {
	if (t > 0 && c d ~ /^[0-9.]+$/) printf "%.4f\n", (c - d) * 100000 / t; else print "?" }'; }
# Per-thread CPU of a live process, one "TID COMM TICKS WAKES" line per thread
# (utime+stime in clock ticks; spaces in COMM become _; WAKES: voluntary
# context switches, i.e. how often the thread slept and was woken).
dtb_thread_ticks()
{
	local t
	for t in /proc/"$1"/task/*; do
		awk -v tid="${t##*/}" '
			FNR == NR { comm = $0; sub(/^[^(]*\(/, "", comm); sub(/\)[^)]*$/, "", comm)
				gsub(/ /, "_", comm); rest = $0; sub(/.*\) /, "", rest); split(rest, f, " ")
				ticks = f[12] + f[13]; next }
			$1 == "voluntary_ctxt_switches:" { wakes = $2 }
			END { if (comm != "") print tid, comm, ticks, wakes + 0 }' "$t/stat" "$t/status" 2>/dev/null
	done
}

# dtb_thread_deltas PID BEFORE AFTER COLUMN: how much COLUMN (3 ticks, 4
# wake-ups) of two dtb_thread_ticks snapshots grew, as "MAIN IO OTHER": the
# main thread, ZeroMQ's I/O threads (ZMQbg/IO/*), the rest (reaper, HTTP).
# A thread that exited in between is not counted.
dtb_thread_deltas()
{
	awk -v pid="$1" -v col="$4" '
		FNR == NR { before[$1] = $col; next }
		{ d = $col - before[$1]
		  if ($1 == pid) m += d; else if ($2 ~ /^ZMQbg\/IO/) io += d; else o += d }
		END { print m + 0, io + 0, o + 0 }' "$2" "$3"
}

# dtb_thread_wakes PID BEFORE AFTER TX: transactions per wake-up between two
# dtb_thread_ticks snapshots, as "MAIN IO": of the main thread and of ZeroMQ's
# I/O threads together; "? ?" without both snapshots. The more work per
# wake-up, the less each event pays for sleeping and being woken.
dtb_thread_wakes()
{
	[ -s "$2" ] && [ -s "$3" ] || { echo "? ?"; return; }
	awk -v tx="$4" '{ a = "?"; b = "?"
		if ($1 > 0 && tx > 0) a = sprintf("%.0f", tx / $1)
		if ($2 > 0 && tx > 0) b = sprintf("%.0f", tx / $2)
		print a, b }' <<<"$(dtb_thread_deltas "$1" "$2" "$3" 4)"
}

# dtb_thread_split PID BEFORE AFTER TX: CPU-s per 100 k transactions between two
# dtb_thread_ticks snapshots, as "MAIN IO OTHER" (dtb_thread_deltas). A thread
# that exited in between is in neither part: dtb_cpu (the process) still
# counts it.
dtb_thread_split()
{
	# a process gone before a snapshot: not measured, not 0
	[ -s "$2" ] && [ -s "$3" ] || { echo "? ? ?"; return; }
	awk -v tx="$4" -v hz="$(getconf CLK_TCK)" '{
		if (tx > 0) printf "%.4f %.4f %.4f\n", $1 / hz * 1e5 / tx, $2 / hz * 1e5 / tx, $3 / hz * 1e5 / tx
		else print "? ? ?" }' <<<"$(dtb_thread_deltas "$1" "$2" "$3" 3)"
}

dtb_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f\n", a / b; else print "?" }'; }
dtb_mean2() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + b) / 2 }'; }

# Where a process's RSS goes, from /proc/PID/smaps, in kB, as one line of
# key=value: ring (BPF map mmaps: the ring buffer and a few one-page maps),
# binary (the executable's own pages), libs (shared libraries; libs_dirty is
# their private dirty part: relocations, .data), heap (glibc's main arena:
# [heap], where ZeroMQ's queued messages live too), arenas (other threads'
# malloc arenas: ZeroMQ's I/O thread), anon (other anonymous mmaps: large
# callocs such as the transaction and process tables, libbpf, libzmq's
# big buffers), stacks, other (vdso, /dev/zero, ...), total (= VmRSS).
dtb_mem_breakdown()
{
	local exe
	exe=$(readlink "/proc/$1/exe" 2>/dev/null)
	awk -v exe="${exe% (deleted)}" '
	function hex(s,   i, n, c) { n = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1))
			n = n * 16 + c - 1 }
		return n }
	/^[0-9a-f]+-[0-9a-f]+ / {
		n++; split($1, a, "-"); lo[n] = hex(a[1]); hi[n] = hex(a[2]); perm[n] = $2
		name[n] = ""; for (i = 6; i <= NF; i++) name[n] = name[n] (i > 6 ? " " : "") $i
		next }
	$1 == "Rss:" { rss[n] = $2 }
	$1 == "Private_Dirty:" { dirty[n] = $2 }
	END {
		split("ring binary libs libs_dirty heap arenas anon stacks other", keys, " ")
		for (i = 1; i <= n; i++) {
			m = name[i]; r = rss[i] + 0
			if (m ~ /bpf-map/) k = "ring"
			else if (m == "[heap]") k = "heap"
			else if (m == "[stack]") k = "stacks"
			else if (exe != "" && m == exe) k = "binary"
			else if (m ~ /^\// && m !~ /^\/(dev|memfd)/) {
				s["libs_dirty"] += dirty[i]; k = "libs"; r -= dirty[i] }
			else if (m != "") k = "other"
			# glibc arena: 64 MiB-aligned, rw part then a reserved ---p rest
			else if (perm[i] ~ /^rw/ && i < n && lo[i + 1] == hi[i] && perm[i + 1] ~ /^---/ &&
				 name[i + 1] == "" && lo[i] % 67108864 == 0) k = "arenas"
			# thread stack: rw above a one-page ---p guard
			else if (perm[i] ~ /^rw/ && i > 1 && hi[i - 1] == lo[i] && perm[i - 1] ~ /^---/ &&
				 hi[i - 1] - lo[i - 1] == 4096 && name[i - 1] == "") k = "stacks"
			else k = "anon"
			s[k] += r; total += rss[i]
		}
		for (j = 1; j in keys; j++) printf "%s=%d ", keys[j], s[keys[j]]
		printf "total=%d\n", total
	}' "/proc/$1/smaps" 2>/dev/null
}
