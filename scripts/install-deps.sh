#!/bin/bash
# Install the Debian 12 packages dnstrail needs to build; with --test also
# what the test suite needs. Non-interactive and idempotent: when everything
# is present it only checks (no apt-get update).
#   scripts/install-deps.sh [--test]
set -euo pipefail

# Building dnstrail, its eBPF programs and the subscriber.
BUILD_PKGS=(
	build-essential cmake make gcc pkg-config
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	protobuf-c-compiler libprotobuf-c-dev
	libzmq3-dev libczmq-dev libyaml-dev libpcap-dev libsystemd-dev
	libfstrm-dev libpsl-dev publicsuffix libmicrohttpd-dev
)

# Running the tests: unit (cmocka), fuzz (libFuzzer), live (namespaces,
# DNS servers and clients, JSON checks, the Python subscriber).
# Areas that need more: add the package here, one per line or group.
TEST_PKGS=(
	libcmocka-dev libclang-rt-14-dev
	libjansson-dev # unit.ecs_json and fuzz.engine parse the JSON they check
	iproute2 util-linux procps coreutils
	nsd knot-dnsutils bind9-dnsutils dnsperf
	jq curl tcpdump
	ethtool # live.e2e_headers turns GRO off on its tap device
	iperf3 # bench (h8): non-DNS load of bench/bpf_cost.sh and the bench smoke test
	linux-perf binutils # bench/bpf_profile.sh: perf samples, objdump of the JIT-ed code
	python3 python3-zmq python3-protobuf protobuf-compiler
	python3-dnspython # unit.dns_differential compares the decoder with dnspython
	dnstap-ldns # contract: dnstrail-sub's dnstap files are readable by dnstap-ldns too
	# packaging (h7): cpack -G RPM, lintian, man(1), the unit's system calls
	# (strace), the unit under a real systemd (nspawn), script and config checks
	rpm lintian man-db dpkg-dev strace systemd-container shellcheck python3-yaml
)

want=("${BUILD_PKGS[@]}")
case "${1:-}" in
--test) want+=("${TEST_PKGS[@]}") ;;
"") ;;
*)
	echo "usage: $0 [--test]" >&2
	exit 2
	;;
esac

missing=()
for p in "${want[@]}"; do
	if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]]; then
		missing+=("$p")
	fi
done
if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#want[@]} packages already installed"
	exit 0
fi
if ((EUID != 0)); then
	echo "install-deps: run as root to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# a package's service (nsd) must not start on the host during installation
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
trap '((own_policy)) && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef \
	-o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
