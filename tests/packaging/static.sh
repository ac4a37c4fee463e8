#!/bin/bash
# Static checks of packaging/ and docs/man/ that need neither root nor a
# package build: maintainer scripts parse (dash, shellcheck), man pages
# render without groff warnings, the unit verifies and keeps its hardening,
# the sysusers file creates the user, the default config uses contract keys
# only and (when the daemon is built) passes --check-config.
#
# usage: static.sh SOURCE_DIR [BUILD_DIR]
set -euo pipefail

src=${1:?usage: static.sh SOURCE_DIR [BUILD_DIR]}
build=${2:-}
pkg=$src/packaging
fails=0
work=$(mktemp -d /tmp/dnstrail-pkg-static.XXXXXX)
trap 'rm -rf "$work"' EXIT

pass() { printf 'ok   - %s\n' "$*"; }
flunk() { printf 'FAIL - %s\n' "$*"; fails=$((fails + 1)); }
check() { # check DESC CMD...: CMD must succeed
	local desc=$1
	shift
	if "$@" >"$work/out" 2>&1; then pass "$desc"; else flunk "$desc"; sed 's/^/    /' "$work/out"; fi
}

# ---- maintainer scripts ----
for f in deb/postinst deb/prerm deb/postrm; do
	check "$f is executable" test -x "$pkg/$f"
	check "$f parses with dash" dash -n "$pkg/$f"
	check "$f starts with set -e" grep -qx 'set -e' "$pkg/$f"
done
for f in rpm/post.sh rpm/preun.sh rpm/postun.sh; do
	check "$f parses with dash" dash -n "$pkg/$f"
done
if command -v shellcheck >/dev/null; then
	check "shellcheck deb scripts" shellcheck -s sh "$pkg"/deb/postinst "$pkg"/deb/prerm "$pkg"/deb/postrm
	check "shellcheck rpm scriptlets" shellcheck -s sh "$pkg"/rpm/*.sh
fi
check "conffiles lists the config" grep -qx /etc/dnstrail/dnstrail.yaml "$pkg/deb/conffiles"

# ---- man pages: render, no groff warnings, sections named ----
for page in dnstrail.8 dnstrail-sub.1 dnstrail-broker.1 dnstrail.yaml.5; do
	f=$src/docs/man/$page
	if groff -man -ww -z -Tutf8 "$f" >"$work/groff" 2>&1 && [ ! -s "$work/groff" ]; then
		pass "$page renders without warnings"
	else
		flunk "$page: groff warnings"
		sed 's/^/    /' "$work/groff"
	fi
	for sec in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
		check "$page has section $sec" grep -q "^\.SH \"\?$sec" "$f"
	done
done
# every option of the contract's command lines (and the code's) is documented;
# in roff a minus is written \-
documents() { # documents PAGE OPTION
	grep -qF -- "$(printf '%s' "$2" | sed 's/-/\\-/g')" "$src/docs/man/$1"
}
for opt in --config --stdout --publish --connect --pcap --duration --check-config --verbose \
	--version --help; do
	check "dnstrail.8 documents $opt" documents dnstrail.8 "$opt"
done
for opt in --connect --bind --topic --format --output --count --timeout --rcvhwm \
	--curve-server-key --curve-key --verbose --version --help; do
	check "dnstrail-sub.1 documents $opt" documents dnstrail-sub.1 "$opt"
done
for opt in --frontend --backend --hwm --help; do
	check "dnstrail-broker.1 documents $opt" documents dnstrail-broker.1 "$opt"
done

# and every option the built programs' --help prints
for prog in dnstrail:dnstrail.8 dnstrail-sub:dnstrail-sub.1 dnstrail-broker:dnstrail-broker.1; do
	bin=$build/bin/${prog%%:*}
	page=${prog##*:}
	if [ -z "$build" ] || [ ! -x "$bin" ]; then
		printf 'skip - %s not built: its --help against %s\n' "${prog%%:*}" "$page"
		continue
	fi
	opts=$("$bin" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*[a-z]' | sort -u)
	[ -n "$opts" ] || flunk "${prog%%:*} --help lists no option"
	for opt in $opts; do
		check "$page documents $opt (from ${prog%%:*} --help)" documents "$page" "$opt"
	done
done

# ---- systemd unit ----
unit=$pkg/systemd/dnstrail.service
# Verify a copy whose programs exist here, so only the unit is judged.
mkdir -p "$work/unit"
sed 's|/usr/sbin/dnstrail|/bin/true|g' "$unit" >"$work/unit/dnstrail.service"
if (cd "$work/unit" && systemd-analyze verify --man=no dnstrail.service) >"$work/out" 2>&1 &&
	[ ! -s "$work/out" ]; then
	pass "systemd-analyze verify is clean"
else
	flunk "systemd-analyze verify"
	sed 's/^/    /' "$work/out"
fi
# shellcheck disable=SC2016 # $MAINPID is literal text of the unit
for d in 'Type=notify' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
	'PrivateTmp=yes' 'ProtectKernelTunables=yes' 'ProtectControlGroups=yes' \
	'LockPersonality=yes' 'MemoryDenyWriteExecute=yes' 'Restart=on-failure' \
	'ExecReload=/bin/kill -HUP $MAINPID' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK' \
	'ExecStart=/usr/sbin/dnstrail -c /etc/dnstrail/dnstrail.yaml' \
	'WantedBy=multi-user.target'; do
	check "unit has $d" grep -qxF "$d" "$unit"
done
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
case " $caps " in
*" CAP_BPF "*) case " $caps " in *" CAP_PERFMON "*) pass "bounding set has CAP_BPF CAP_PERFMON" ;;
	*) flunk "bounding set lacks CAP_PERFMON: $caps" ;; esac ;;
*) flunk "bounding set lacks CAP_BPF: $caps" ;;
esac
case " $caps " in
*SYS_ADMIN* | *NET_ADMIN* | *" ~"*) flunk "bounding set too wide: $caps" ;;
*) pass "bounding set has no CAP_SYS_ADMIN/CAP_NET_ADMIN" ;;
esac
check "unit runs as User=dnstrail (never root)" grep -qx 'User=dnstrail' "$unit"
ambient=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
for c in $ambient; do
	case " $caps " in *" $c "*) pass "ambient $c is in the bounding set" ;;
	*) flunk "ambient $c is outside the bounding set" ;; esac
done
filter=$(sed -n 's/^SystemCallFilter=//p' "$unit")
for want in @system-service bpf; do
	case " $filter " in *" $want "*) pass "SystemCallFilter allows $want" ;;
	*) flunk "SystemCallFilter lacks $want: $filter" ;; esac
done
exposure=$(systemd-analyze security --offline=yes "$work/unit/dnstrail.service" 2>/dev/null |
	sed -n 's/.*exposure level for dnstrail.service: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 4.0) }'; then
	pass "systemd-analyze security exposure $exposure <= 4.0"
else
	flunk "systemd-analyze security exposure '${exposure:-?}' > 4.0"
fi

# ---- sysusers.d: creates a locked system user with no login ----
mkdir -p "$work/root/etc"
if systemd-sysusers --root="$work/root" "$pkg/sysusers/dnstrail.conf" >"$work/out" 2>&1; then
	line=$(grep '^dnstrail:' "$work/root/etc/passwd" || true)
	uid=$(echo "$line" | cut -d: -f3)
	shell=$(echo "$line" | cut -d: -f7)
	if [ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ]; then
		pass "sysusers creates system user dnstrail (uid $uid, $shell)"
	else
		flunk "sysusers user line: '$line'"
	fi
	check "sysusers creates group dnstrail" grep -q '^dnstrail:' "$work/root/etc/group"
else
	flunk "systemd-sysusers --root"
	sed 's/^/    /' "$work/out"
fi

# ---- the installed default config ----
# Only keys the contract fixes; publishing on loopback only.
if python3 - "$pkg/dnstrail.yaml" >"$work/out" 2>&1 <<'PY'; then
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
allowed = {
    "service": {"log_level", "http_listen", "user"},
    "input": {"name", "tag", "ports"},
    "output": {"name", "match", "publish"},
}
assert set(cfg) == {"service", "pipeline"}, cfg.keys()
assert set(cfg["service"]) <= allowed["service"], cfg["service"]
assert cfg["service"]["user"] == "dnstrail"
assert cfg["service"]["http_listen"].startswith("127.0.0.1:")
assert set(cfg["pipeline"]) <= {"inputs", "outputs"}, cfg["pipeline"].keys()
for i in cfg["pipeline"]["inputs"]:
    assert set(i) <= allowed["input"], i
assert [i["name"] for i in cfg["pipeline"]["inputs"]] == ["ebpf"]
for o in cfg["pipeline"]["outputs"]:
    assert set(o) <= allowed["output"], o
    assert o["name"] == "zmq"
    for ep in o["publish"]:
        assert ep.startswith("tcp://127.0.0.1:"), ep
PY
	pass "dnstrail.yaml uses contract keys only and publishes on loopback"
else
	flunk "dnstrail.yaml contents"
	sed 's/^/    /' "$work/out"
fi
if [ -n "$build" ] && [ -x "$build/bin/dnstrail" ]; then
	conf=$pkg/dnstrail.yaml
	if ! getent passwd dnstrail >/dev/null; then
		# the package creates the user; without it here, check all the rest
		sed 's/^\(  user:\) dnstrail$/\1 root/' "$conf" >"$work/dnstrail.yaml"
		conf=$work/dnstrail.yaml
	fi
	check "dnstrail --check-config accepts packaging/dnstrail.yaml" \
		"$build/bin/dnstrail" --check-config -c "$conf"
	# and the check can fail: a misspelt key is refused with FILE:LINE
	sed 's/log_level:/log_levle:/' "$conf" >"$work/bad.yaml"
	if "$build/bin/dnstrail" --check-config -c "$work/bad.yaml" >"$work/out" 2>&1; then
		flunk "--check-config accepted a misspelt key"
	elif grep -q "bad.yaml:[0-9]" "$work/out"; then
		pass "--check-config refuses a misspelt key with FILE:LINE"
	else
		flunk "--check-config error does not name FILE:LINE"
		sed 's/^/    /' "$work/out"
	fi
else
	printf 'skip - dnstrail not built: --check-config of the default config\n'
fi

# ---- the YAML examples in dnstrail.yaml(5) are valid configurations ----
if [ -n "$build" ] && [ -x "$build/bin/dnstrail" ]; then
	python3 - "$src/docs/man/dnstrail.yaml.5" "$work/example" <<'PY'
import re, sys
page = open(sys.argv[1]).read()
blocks = re.findall(r'^\.nf\n(.*?)^\.fi$', page, re.M | re.S)
n = 0
for b in blocks:
    if not re.match(r'(service|pipeline):', b):
        continue
    n += 1
    open(f"{sys.argv[2]}{n}.yaml", "w").write(b.replace('\\-', '-'))
PY
	n=0
	for ex in "$work"/example*.yaml; do
		[ -e "$ex" ] || continue
		n=$((n + 1))
		getent passwd dnstrail >/dev/null || sed -i 's/^\(  user:\) dnstrail$/\1 root/' "$ex"
		check "dnstrail.yaml(5) example $n passes --check-config" \
			"$build/bin/dnstrail" --check-config -c "$ex"
	done
	[ "$n" -gt 0 ] || flunk "no YAML example found in dnstrail.yaml(5)"
fi

if [ "$fails" -gt 0 ]; then
	printf '%d check(s) failed\n' "$fails"
	exit 1
fi
printf 'all static packaging checks passed\n'
