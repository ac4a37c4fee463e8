#!/bin/bash
# Build the .deb and .rpm with CPack, lint, install, run, remove.
#
#  1. cpack -G DEB / -G RPM in the build directory;
#  2. lintian: no error (warnings kept are explained in packaging/README.md);
#  3. dpkg -i: files, conffile, user, enable symlink; the installed
#     dnstrail --check-config accepts the installed config; the installed
#     unit verifies; the man pages open with man(1);
#  4. the installed daemon, with the installed config and the unit's user and
#     capabilities (setpriv: no systemd here to start the unit), sees a dig
#     query in a network namespace, ends up with no capability left, reloads
#     on SIGHUP, and the installed dnstrail-sub receives the event over
#     ZeroMQ; under strace, it makes no system call the unit's filter denies;
#     then systemd-nspawn boots this system (overlay, private network) and the
#     unit runs under a real systemd: start (Type=notify), drop, an event over
#     ZeroMQ, reload; there too an upgrade restarts it, dpkg -r stops it
#     cleanly, purge takes the user, and the rpm's scriptlets enable/stop/
#     disable it; a reinstall on the host keeps an edited conffile and an
#     administrator's disable;
#  5. dpkg -r keeps the config and the user; dpkg --purge leaves nothing: files, /etc/dnstrail, user, group,
#     systemd enable state;
#  6. the rpm: file list, requires, scriptlets, config(noreplace); installed
#     into an empty root (--noscripts: the file list) and into an overlay of
#     this system (scriptlets: user, enable, erase).
#
# Root only; changes the system (installs and purges the package dnstrail).
# usage: packages.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

export DT_SRC=${1:?usage: packages.sh SOURCE_DIR BUILD_DIR}
export DT_BUILD=${2:?usage: packages.sh SOURCE_DIR BUILD_DIR}
export DNSTRAIL=$DT_BUILD/bin/dnstrail
# shellcheck source=../live/lib.sh
. "$DT_SRC/tests/live/lib.sh"

for tool in cpack dpkg lintian rpm rpmbuild man setpriv curl; do
	command -v "$tool" >/dev/null || die "$tool not installed (apt-get install rpm lintian man-db)"
done
if ((EUID == 0)) && dpkg-query -W -f='${Status}' dnstrail 2>/dev/null | grep -q installed &&
	[[ "${DT_PKG_FORCE:-0}" != 1 ]]; then
	die "package dnstrail is installed already; DT_PKG_FORCE=1 lets this test purge it"
fi

UNIT=/usr/lib/systemd/system/dnstrail.service
CONF=/etc/dnstrail/dnstrail.yaml
USER_EXISTED=0
OVERLAY=""
NSPAWN=""
NSPAWN_PID=""
DEB_INSTALLED=0

# dpkg with a wait for its lock: other work on this machine may be running
# apt-get at the same time (dpkg itself has no lock timeout).
dpkg_w() {
	local i out rc
	for i in $(seq 90); do
		out=$(dpkg "$@" 2>&1) && rc=0 || rc=$?
		if ((rc != 0)) && grep -q 'lock' <<<"$out"; then
			((i == 1)) && log "dpkg is locked by another process; waiting"
			sleep 2
			continue
		fi
		printf '%s\n' "$out"
		return $rc
	done
	printf '%s\n' "$out"
	return 1
}

# Power the container off (nspawn turns SIGTERM into a shutdown request); if
# it hangs, killing its init ends every process in its PID namespace.
nspawn_stop() {
	[[ -n "$NSPAWN_PID" ]] && kill -0 "$NSPAWN_PID" 2>/dev/null || return 0
	kill -TERM "$NSPAWN_PID" 2>/dev/null || true
	if ! dt_wait_pid "$NSPAWN_PID" 15; then
		[[ -z "${CPID:-}" ]] || kill -KILL "$CPID" 2>/dev/null || true
		dt_wait_pid "$NSPAWN_PID" 5 || kill -KILL "$NSPAWN_PID" 2>/dev/null || true
	fi
	wait "$NSPAWN_PID" 2>/dev/null || true
	NSPAWN_PID=""
}

pkg_cleanup() {
	local rc=$?
	set +e
	nspawn_stop
	[[ -n "$NSPAWN" ]] && umount "$NSPAWN/m" 2>/dev/null
	if [[ -n "$OVERLAY" ]]; then
		umount "$OVERLAY/m/proc" 2>/dev/null
		umount "$OVERLAY/m" 2>/dev/null
	fi
	if ((DEB_INSTALLED)); then
		dpkg_w --purge dnstrail >/dev/null 2>&1
	fi
	# the package's purge deletes the user; give back one that was here before
	if ((USER_EXISTED)) && ! getent passwd dnstrail >/dev/null; then
		systemd-sysusers "$DT_SRC/packaging/sysusers/dnstrail.conf" >/dev/null 2>&1
	fi
	return $rc
}

# The installed config captures every DNS packet of the host, benchmarks of
# others included: look only at lines naming our client's addresses (grep is
# fast; lib.sh's dt_select runs jq over the whole file at every probe).
dt_select() {
	[[ -s "$DT_OUT" ]] || return 0
	grep -F -e "\"$DT_C4\"" -e "\"$DT_C6\"" "$DT_OUT" |
		jq -cR "fromjson? | objects | select($1)" 2>/dev/null || true
}

dt_setup
trap 'rc=$?; pkg_cleanup; dt_cleanup $rc' EXIT
getent passwd dnstrail >/dev/null && USER_EXISTED=1
[[ -x "$DT_BUILD/bin/dnstrail" ]] || die "build first: $DT_BUILD/bin/dnstrail is missing"

# --- 1. build the packages --------------------------------------------------
out=$DT_WORK/cpack
mkdir -p "$out"
for gen in DEB RPM; do
	if (cd "$DT_BUILD" && cpack -G "$gen" -B "$out") >"$DT_WORK/cpack-$gen.log" 2>&1; then
		pass "cpack -G $gen"
	else
		flunk "cpack -G $gen"
		tail -n 20 "$DT_WORK/cpack-$gen.log"
	fi
done
DEB=$(ls "$out"/dnstrail_*.deb 2>/dev/null | head -n 1)
RPM=$(ls "$out"/dnstrail-*.rpm 2>/dev/null | head -n 1)
[[ -f "$DEB" && -f "$RPM" ]] || { flunk "packages missing"; dt_finish; }
log "built $(basename "$DEB") ($(stat -c %s "$DEB") B), $(basename "$RPM") ($(stat -c %s "$RPM") B)"

version=$(sed -n 's/^project(dnstrail VERSION \([0-9.]*\).*/\1/p' "$DT_SRC/CMakeLists.txt")
expect_eq "deb version from the project" "$(dpkg-deb -f "$DEB" Version)" "$version-1"
expect_eq "deb architecture" "$(dpkg-deb -f "$DEB" Architecture)" "$(dpkg --print-architecture)"
# package names in Depends, without versions or alternatives' bars
depends=$(dpkg-deb -f "$DEB" Depends | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' | sort -u)
# (libelf1 comes through libbpf1: the programs do not link it directly)
for lib in libbpf1 libzmq5 libczmq4 libprotobuf-c1 libyaml-0-2 libpsl5 libfstrm0 adduser; do
	expect_eq "deb depends on $lib" "$(grep -cx "$lib" <<<"$depends")" 1
done
for f in Homepage Maintainer Description Section; do
	expect_ne "deb control has $f" "$(dpkg-deb -f "$DEB" "$f")" ""
done

# --- 2. lintian ---------------------------------------------------------------
lintian --tag-display-limit 0 "$DEB" >"$DT_WORK/lintian" 2>&1 || true
sed 's/^/    lintian: /' "$DT_WORK/lintian"
expect_eq "lintian reports no errors" "$(grep -c '^E:' "$DT_WORK/lintian" || true)" 0
# every warning left must be explained in packaging/README.md
for tag in $(sed -n 's/^W: dnstrail: \([a-z0-9-]*\).*/\1/p' "$DT_WORK/lintian" | sort -u); do
	if grep -q -- "$tag" "$DT_SRC/packaging/README.md"; then
		pass "lintian warning $tag is explained in packaging/README.md"
	else
		flunk "lintian warning $tag is not explained in packaging/README.md"
	fi
done

# --- 3. install the .deb --------------------------------------------------------
if dpkg_w -i "$DEB" >"$DT_WORK/dpkg-i.log" 2>&1; then
	DEB_INSTALLED=1
	pass "dpkg -i"
else
	DEB_INSTALLED=1
	log "dpkg -i failed, trying apt-get install -f for missing dependencies"
	if apt-get -o DPkg::Lock::Timeout=180 install -f -y >>"$DT_WORK/dpkg-i.log" 2>&1 &&
		dpkg-query -W -f='${Status}' dnstrail | grep -q 'install ok installed'; then
		pass "dpkg -i (dependencies from apt-get install -f)"
	else
		flunk "dpkg -i"
		tail -n 20 "$DT_WORK/dpkg-i.log"
		dt_finish
	fi
fi
for f in /usr/sbin/dnstrail /usr/bin/dnstrail-sub; do
	expect_eq "$f installed, executable" "$(test -x "$f" && echo yes)" yes
done
for f in "$CONF" "$UNIT" /usr/lib/sysusers.d/dnstrail.conf \
	/usr/share/man/man8/dnstrail.8.gz /usr/share/man/man1/dnstrail-sub.1.gz \
	/usr/share/man/man5/dnstrail.yaml.5.gz /usr/share/doc/dnstrail/copyright \
	/usr/share/doc/dnstrail/changelog.Debian.gz; do
	expect_eq "$f installed" "$(test -f "$f" && echo yes)" yes
done
expect_eq "no file under /usr/local" "$(dpkg -L dnstrail | grep -c '^/usr/local' || true)" 0
expect_eq "the config is a conffile" \
	"$(dpkg-query -W -f='${Conffiles}' dnstrail | grep -cE "^ $CONF [0-9a-f]{32}$")" 1
uline=$(getent passwd dnstrail || true)
expect_ne "postinst created the user dnstrail" "$uline" ""
expect_eq "user dnstrail has no login shell" "${uline##*:}" /usr/sbin/nologin
expect_ne "postinst created the group dnstrail" "$(getent group dnstrail || true)" ""
# (the link may go through /lib: the same directory on merged-/usr systems)
expect_eq "postinst enabled the unit" \
	"$(readlink -f /etc/systemd/system/multi-user.target.wants/dnstrail.service || true)" \
	"$(readlink -f "$UNIT")"
expect_eq "postinst did not start anything" "$(pgrep -x dnstrail -u dnstrail | wc -l)" 0

if /usr/sbin/dnstrail --check-config -c "$CONF" >"$DT_WORK/check.log" 2>&1; then
	pass "installed dnstrail --check-config -c $CONF"
else
	flunk "installed dnstrail --check-config -c $CONF: $(cat "$DT_WORK/check.log")"
fi
if (cd / && systemd-analyze verify "$UNIT") >"$DT_WORK/verify.log" 2>&1 && [[ ! -s "$DT_WORK/verify.log" ]]; then
	pass "systemd-analyze verify of the installed unit (man pages resolved too)"
else
	flunk "systemd-analyze verify $UNIT: $(cat "$DT_WORK/verify.log")"
fi
exposure=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null |
	sed -n 's/.*exposure level for dnstrail.service: \([0-9.]* [A-Z]*\).*/\1/p')
log "systemd-analyze security dnstrail.service: $exposure"
for page in dnstrail "5 dnstrail.yaml" dnstrail-sub; do
	# shellcheck disable=SC2086
	text=$(MANPAGER=cat MANWIDTH=80 man $page 2>/dev/null || true)
	if grep -q "dnstrail" <<<"$text" && grep -q "SEE ALSO" <<<"$text"; then
		pass "man $page"
	else
		flunk "man $page: $(head -c 200 <<<"$text")"
	fi
done

# --- 4. the installed daemon against live traffic -------------------------------
# Client and NSD in namespaces (lib.sh); the daemon in a third namespace so its
# loopback endpoints (127.0.0.1:5556, :2020 from the installed config) clash with
# nothing else running on this host. Its tracepoints see every namespace.
# No systemd runs here, so setpriv recreates the unit's credentials: User=,
# Group=, AmbientCapabilities=, CapabilityBoundingSet=, NoNewPrivileges=.
unit_key() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
caps_arg() { tr 'A-Z ' 'a-z,' | sed 's/cap_/+/g'; }
UNIT_USER=$(unit_key User)
UNIT_GROUP=$(unit_key Group)
UNIT_AMBIENT=$(unit_key AmbientCapabilities | caps_arg)
UNIT_BOUNDING=$(unit_key CapabilityBoundingSet | caps_arg)
expect_eq "unit sets NoNewPrivileges" "$(unit_key NoNewPrivileges)" yes
expect_eq "unit runs as the package's user" "$UNIT_USER" dnstrail
unit_creds=(setpriv --reuid "$UNIT_USER" --regid "${UNIT_GROUP:-$UNIT_USER}" --init-groups
	--inh-caps="-all,$UNIT_AMBIENT" --ambient-caps="-all,$UNIT_AMBIENT"
	--bounding-set="-all,$UNIT_BOUNDING" --no-new-privs)
log "unit credentials: ${unit_creds[*]}"
expect_eq "the unit's ExecStartPre (--check-config) passes with its credentials" \
	"$("${unit_creds[@]}" /usr/sbin/dnstrail --check-config -c "$CONF" >/dev/null 2>&1 && echo ok)" ok

dt_topo_veth
dt_start_nsd
NS_D=dt${DT_ID}d
dt_netns_add "$NS_D"
DT_OUT=$DT_WORK/dnstrail.json
DT_ERR=$DT_WORK/dnstrail.err
ip netns exec "$NS_D" env --default-signal=INT,TERM,HUP "${unit_creds[@]}" \
	/usr/sbin/dnstrail -c "$CONF" --stdout=json >"$DT_OUT" 2>"$DT_ERR" &
DT_PID=$!
ip netns exec "$NS_D" /usr/bin/dnstrail-sub --format json --count 1 --timeout 20 \
	--topic "dns.NOERROR.A." >"$DT_WORK/sub.json" 2>"$DT_WORK/sub.err" &
SUB_PID=$!
DT_PIDS+=("$SUB_PID")
dt_wait_ready
if [[ -d /proc/$DT_PID ]]; then
	st=/proc/$DT_PID/status
	expect_eq "daemon runs as user dnstrail" "$(awk '/^Uid:/ { print $2 }' "$st")" "$(id -u dnstrail)"
	for set in CapEff CapPrm CapAmb; do
		expect_eq "daemon dropped its capabilities ($set)" \
			"$(awk -v s="$set:" '$1 == s { print $2 }' "$st")" 0000000000000000
	done
	expect_eq "health on the installed http_listen" \
		"$(ip netns exec "$NS_D" curl -s -m 3 http://127.0.0.1:2020/api/v1/health 2>/dev/null || true)" ok
	# ExecReload: the daemon, without privileges now, re-reads the config
	kill -HUP "$DT_PID"
	for _ in $(seq 50); do
		grep -q 'reloaded' "$DT_ERR" && break
		sleep 0.2
	done
	expect_eq "alive after SIGHUP (ExecReload)" "$(kill -0 "$DT_PID" 2>/dev/null && echo yes)" yes
	expect_eq "SIGHUP reloaded the config" "$(grep -c 'reloaded' "$DT_ERR" || true)" 1
fi
# The installed config captures the whole host: when other load fills the
# ring buffer (kernel_drops), one query may be lost; try up to three times.
for try in 1 2 3; do
	dt_client "$DT_WORK/dig.out" dig +tries=1 +timeout=2 "@$DT_S4" "www.$DT_ZONE" A
	dt_wait_count "$(dt_q "www.$DT_ZONE" A) and .process.pid == $CLIENT_PID" 1 5 && break
	log "query $try not seen (host load?), again"
done
dt_stop INT
expect_eq "installed daemon exits 0 on SIGINT" "$DT_STATUS" 0
dt_one "dig www.$DT_ZONE A (try $try) through the installed daemon" \
	"$(dt_q "www.$DT_ZONE" A) and .process.pid == $CLIENT_PID"
expect_val "status ok" "$REC" .dnstrail.status '"ok"'
expect_val "answer 192.0.2.1" "$REC" '.dns.resolved_ip[0]' '"192.0.2.1"'
expect_val "process.pid is dig's" "$REC" .process.pid "$CLIENT_PID"
expect_val "process.name dig" "$REC" .process.name '"dig"'
expect_val "process.executable" "$REC" .process.executable '"/usr/bin/dig"'
expect_jq "final stats line on stderr" "$(tail -n 1 "$DT_ERR")" '.dnstrail_stats.transactions >= 1'
if dt_wait_pid "$SUB_PID" 10; then
	expect_jq "installed dnstrail-sub received an event over ZeroMQ" \
		"$(grep -m1 '^{' "$DT_WORK/sub.json" || true)" '.dns.question.name | type == "string"'
else
	flunk "installed dnstrail-sub received nothing: $(tail -n 3 "$DT_WORK/sub.err")"
fi

# The unit's SystemCallFilter, checked without systemd: every system call the
# daemon makes (start, attach, drop, HTTP, reload, stop) under strace must be
# in the set the filter allows.
if command -v strace >/dev/null; then
	expand_set() { # the system calls of a systemd set, recursively
		systemd-analyze syscall-filter "$1" 2>/dev/null | sed -n 's/^    //p' | grep -v '^#' |
			while read -r n; do case $n in @*) expand_set "$n" ;; *) echo "$n" ;; esac; done
	}
	for w in $(unit_key SystemCallFilter); do
		case $w in @*) expand_set "$w" ;; *) echo "$w" ;; esac
	done | sort -u >"$DT_WORK/syscalls-allowed"
	ip netns exec "$NS_D" env --default-signal=INT,TERM,HUP strace -f -qq -o "$DT_WORK/strace" \
		"${unit_creds[@]}" /usr/sbin/dnstrail -c "$CONF" --duration 5 >/dev/null 2>"$DT_WORK/strace.err" &
	spid=$!
	sleep 2.5
	# the daemon is strace's child (setpriv execs it)
	kill -HUP "$(pgrep -P "$spid" | head -n 1)" 2>/dev/null || true
	ip netns exec "$NS_D" curl -s -m 2 -o /dev/null http://127.0.0.1:2020/api/v1/metrics/prometheus || true
	wait "$spid" || true
	sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p; s/^[0-9]+ +<\.\.\. ([a-z0-9_]+) resumed>.*/\1/p' \
		"$DT_WORK/strace" | sort -u >"$DT_WORK/syscalls-used"
	log "system calls made: $(wc -l <"$DT_WORK/syscalls-used"), allowed by the unit: $(wc -l <"$DT_WORK/syscalls-allowed")"
	expect_ne "strace saw the daemon attach (bpf)" "$(grep -x bpf "$DT_WORK/syscalls-used" || true)" ""
	expect_eq "every system call is allowed by SystemCallFilter" \
		"$(comm -23 "$DT_WORK/syscalls-used" "$DT_WORK/syscalls-allowed" | tr '\n' ' ')" ""
else
	log "strace not installed: SystemCallFilter not checked"
fi

# --- 4c. the unit under a real systemd ----------------------------------------
# systemd is not PID 1 here; systemd-nspawn boots this very system (an overlay
# of /, so nothing it writes stays; private network) to a target that wants
# only dnstrail.service. The unit then runs for real: Type=notify, User=,
# capabilities, the whole sandbox and its SystemCallFilter, ExecStartPre,
# ExecReload, stop.
if command -v systemd-nspawn >/dev/null && [[ ! -d /run/systemd/system ]]; then
	NSPAWN=$DT_WORK/nspawn
	mkdir -p "$NSPAWN"/{u,w,m}
	mount -t overlay overlay -o "lowerdir=/,upperdir=$NSPAWN/u,workdir=$NSPAWN/w" "$NSPAWN/m"
	cat >"$NSPAWN/m/etc/systemd/system/dnstrail-test.target" <<-EOF
		[Unit]
		Description=dnstrail packaging test: the basic system and dnstrail.service
		Requires=basic.target
		After=basic.target
		Wants=dnstrail.service
	EOF
	# nspawn's own seccomp filter denies bpf() unless told; the container
	# gets CAP_BPF/CAP_PERFMON so that the unit can pass them on
	systemd-nspawn -D "$NSPAWN/m" -M "dt${DT_ID}n" --register=no --keep-unit --link-journal=no \
		--private-network --capability=CAP_BPF,CAP_PERFMON --system-call-filter="bpf perf_event_open" \
		-b --console=pipe -- --unit=dnstrail-test.target </dev/null >"$NSPAWN/boot.log" 2>&1 &
	NSPAWN_PID=$!
	CPID=""
	for _ in $(seq 120); do
		CPID=$(pgrep -P "$NSPAWN_PID" | head -n 1 || true)
		if [[ -n "$CPID" ]] && state=$(nsenter -t "$CPID" -a systemctl is-active dnstrail.service 2>/dev/null) &&
			[[ "$state" == active ]]; then
			break
		fi
		sleep 0.5
	done
	in_ct() { nsenter -t "$CPID" -a "$@"; }
	expect_eq "systemd (in nspawn) started dnstrail.service (Type=notify: READY=1 came)" \
		"$(in_ct systemctl is-active dnstrail.service 2>/dev/null || true)" active
	journal() { in_ct journalctl -u dnstrail.service --no-pager -o cat 2>/dev/null || true; }
	expect_eq "service: ExecStartPre --check-config passed" \
		"$(journal | grep -c 'configuration is valid')" 1
	expect_eq "service: attached, then dropped its capabilities" \
		"$(journal | grep -c 'running as dnstrail without capabilities')" 1
	mpid=$(in_ct systemctl show -p MainPID --value dnstrail.service 2>/dev/null || echo 0)
	if [[ "$mpid" != 0 ]]; then
		st=$(in_ct cat "/proc/$mpid/status" 2>/dev/null || true)
		expect_eq "service: runs as dnstrail" "$(awk '/^Uid:/ { print $2 }' <<<"$st")" "$(id -u dnstrail)"
		expect_eq "service: no effective capability" "$(awk '/^CapEff:/ { print $2 }' <<<"$st")" 0000000000000000
		expect_eq "service: seccomp filter active" "$(awk '/^Seccomp:/ { print $2 }' <<<"$st")" 2
	fi
	# a query nobody answers (nothing listens on port 53 in the container):
	# a TIMEOUT event once service.timeout passes, received by dnstrail-sub
	qname=h7probe$DT_ID.invalid
	in_ct /usr/bin/dnstrail-sub --topic dns.TIMEOUT.TXT. --format json --timeout 15 --count 50 \
		>"$NSPAWN/sub.json" 2>"$NSPAWN/sub.err" &
	csub=$!
	sleep 1
	in_ct dig +tries=1 +timeout=1 @127.0.0.1 "$qname" TXT >/dev/null 2>&1 || true
	for _ in $(seq 40); do
		grep -q "\"$qname\"" "$NSPAWN/sub.json" 2>/dev/null && break
		sleep 0.5
	done
	kill "$csub" 2>/dev/null || true
	wait "$csub" 2>/dev/null || true
	expect_jq "service: timeout event for the container's query, over ZeroMQ" \
		"$(grep -m1 "\"$qname\"" "$NSPAWN/sub.json" || true)" \
		'.dnstrail.status == "timeout" and .dns.question.type == "TXT" and .process.name == "dig"'
	expect_eq "service: systemctl reload (ExecReload)" \
		"$(in_ct systemctl reload dnstrail.service >/dev/null 2>&1 && echo ok)" ok
	sleep 1
	expect_eq "service: active after reload" "$(in_ct systemctl is-active dnstrail.service || true)" active
	expect_eq "service: reload logged" "$(journal | grep -c '^reloaded')" 1
	exposure=$(in_ct systemd-analyze security dnstrail.service 2>/dev/null |
		sed -n 's/.*exposure level for dnstrail.service: \([0-9.]* [A-Z]*\).*/\1/p')
	log "systemd-analyze security dnstrail.service (running unit): $exposure"
	# The maintainer scripts with systemd running: an upgrade restarts the
	# service, a removal stops it, a purge takes the user. (This machine's
	# Docker-style policy-rc.d forbids service starts; a real system has none.)
	rm -f "$NSPAWN/m/usr/sbin/policy-rc.d"
	dpkg-deb -R "$DEB" "$NSPAWN/pkg"
	sed -i "s/^Version: .*/Version: $version-99/" "$NSPAWN/pkg/DEBIAN/control"
	dpkg-deb -b --root-owner-group "$NSPAWN/pkg" "$NSPAWN/m/root/dnstrail-up.deb" >/dev/null
	before=$(in_ct systemctl show -p MainPID --value dnstrail.service)
	if in_ct dpkg -i /root/dnstrail-up.deb >"$NSPAWN/dpkg-up.log" 2>&1; then
		pass "service: dpkg -i of a newer version"
	else
		flunk "service: dpkg -i of a newer version: $(tail -n 5 "$NSPAWN/dpkg-up.log")"
	fi
	for _ in $(seq 20); do
		[[ "$(in_ct systemctl is-active dnstrail.service)" == active ]] && break
		sleep 0.5
	done
	after=$(in_ct systemctl show -p MainPID --value dnstrail.service)
	expect_eq "service: the upgrade restarted it (new main pid, active)" \
		"$([[ "$after" != 0 && "$after" != "$before" ]] && in_ct systemctl is-active dnstrail.service)" active
	if in_ct dpkg -r dnstrail >"$NSPAWN/dpkg-r.log" 2>&1; then
		pass "service: dpkg -r"
	else
		flunk "service: dpkg -r: $(tail -n 5 "$NSPAWN/dpkg-r.log")"
	fi
	expect_eq "service: dpkg -r stopped it" "$(in_ct systemctl is-active dnstrail.service || true)" inactive
	expect_eq "service: the stop was a clean exit" \
		"$(in_ct systemctl show -p Result -p ExecMainStatus --value dnstrail.service | tr '\n' ' ')" "success 0 "
	expect_jq "service: final stats line in the journal" \
		"$(journal | grep '^{"dnstrail_stats"' | tail -n 1)" '.dnstrail_stats | has("transactions")'
	in_ct dpkg --purge dnstrail >"$NSPAWN/dpkg-purge.log" 2>&1 || true
	expect_eq "service: purge with systemd running took the user" \
		"$(in_ct getent passwd dnstrail || true)" ""
	# the rpm's scriptlets with systemd running (rpm on Debian: --nodeps)
	cp "$RPM" "$NSPAWN/m/root/dnstrail.rpm"
	if in_ct rpm -i --nodeps --dbpath /var/lib/rpm /root/dnstrail.rpm >"$NSPAWN/rpm-i.log" 2>&1; then
		pass "service: rpm -i"
	else
		flunk "service: rpm -i: $(tail -n 5 "$NSPAWN/rpm-i.log")"
	fi
	expect_ne "service: rpm %post created the user" "$(in_ct getent passwd dnstrail || true)" ""
	expect_eq "service: rpm %post enabled the unit" "$(in_ct systemctl is-enabled dnstrail.service || true)" enabled
	expect_eq "service: rpm %post did not start it" "$(in_ct systemctl is-active dnstrail.service || true)" inactive
	in_ct systemctl start dnstrail.service >/dev/null 2>&1 || true
	expect_eq "service: starts from the rpm's files" "$(in_ct systemctl is-active dnstrail.service || true)" active
	in_ct rpm -e --nodeps --dbpath /var/lib/rpm dnstrail >"$NSPAWN/rpm-e.log" 2>&1 || true
	expect_eq "service: rpm %preun stopped it" "$(in_ct systemctl is-active dnstrail.service || true)" inactive
	expect_eq "service: rpm %preun disabled it" \
		"$(find "$NSPAWN/m/etc/systemd/system" -name dnstrail.service 2>/dev/null)" ""
	if ((DT_FAILS > 0)); then
		journal | tail -n 20 | sed 's/^/    journal: /'
	fi
	nspawn_stop
	umount "$NSPAWN/m" && NSPAWN=""
else
	log "systemd-nspawn missing (or systemd runs here): the unit is only checked statically"
fi

# --- 4b. upgrade (reinstall): the administrator's edits and choices stay --------
sed -i 's/^\(  log_level:\) info$/\1 debug/' "$CONF"
systemctl --root=/ disable dnstrail.service >/dev/null 2>&1 || true # works offline
if dpkg_w -i "$DEB" >"$DT_WORK/dpkg-up.log" 2>&1; then
	pass "dpkg -i over the installed package (upgrade path of postinst)"
else
	flunk "dpkg -i over the installed package: $(tail -n 5 "$DT_WORK/dpkg-up.log")"
fi
expect_eq "an edited conffile survives the upgrade" "$(grep -c '^  log_level: debug$' "$CONF")" 1
expect_eq "a disabled unit stays disabled after the upgrade" \
	"$(find /etc/systemd/system -name 'dnstrail.service' | wc -l)" 0
systemctl --root=/ enable dnstrail.service >/dev/null 2>&1 || true
expect_eq "the administrator can enable it again" \
	"$(find /etc/systemd/system -name 'dnstrail.service' | wc -l)" 1

# --- 5. remove, then purge ---------------------------------------------------
dpkg -L dnstrail | sort >"$DT_WORK/deb-files"
if dpkg_w -r dnstrail >"$DT_WORK/remove.log" 2>&1; then
	pass "dpkg -r"
else
	flunk "dpkg -r: $(cat "$DT_WORK/remove.log")"
fi
expect_eq "remove took the program" "$(test -e /usr/sbin/dnstrail && echo present)" ""
expect_eq "remove kept the edited config" "$(grep -c '^  log_level: debug$' "$CONF" 2>/dev/null)" 1
expect_ne "remove kept the user" "$(getent passwd dnstrail || true)" ""
if dpkg_w --purge dnstrail >"$DT_WORK/purge.log" 2>&1; then
	DEB_INSTALLED=0
	pass "dpkg --purge"
else
	flunk "dpkg --purge: $(cat "$DT_WORK/purge.log")"
fi
left=""
while read -r f; do
	# directories shared with other packages stay, anything of ours goes
	if [[ -e "$f" && ! -d "$f" ]] || [[ -d "$f" && "$f" == *dnstrail* ]]; then
		left+=" $f"
	fi
done <"$DT_WORK/deb-files"
expect_eq "purge left no file of the package" "$left" ""
expect_eq "purge removed /etc/dnstrail" "$(test -e /etc/dnstrail && echo present)" ""
expect_eq "purge removed the user" "$(getent passwd dnstrail || true)" ""
expect_eq "purge removed the group" "$(getent group dnstrail || true)" ""
expect_eq "purge removed the enable symlink" \
	"$(find /etc/systemd/system -name 'dnstrail*' 2>/dev/null)" ""
expect_eq "purge removed deb-systemd-helper state" \
	"$(find /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
		-name '*dnstrail*' 2>/dev/null)" ""
expect_eq "dpkg forgot the package" "$(dpkg-query -W -f='${Status}' dnstrail 2>/dev/null || true)" ""

# --- 6. the rpm -------------------------------------------------------------
rpm -qp --queryformat '%{VERSION}-%{RELEASE} %{ARCH} %{LICENSE} %{URL}\n' "$RPM" >"$DT_WORK/rpm-info"
expect_eq "rpm version, arch, license" "$(cut -d' ' -f1-3 "$DT_WORK/rpm-info")" \
	"$version-1 $(uname -m) MIT"
rpm -qpl "$RPM" | sort >"$DT_WORK/rpm-files"
for f in /usr/sbin/dnstrail /usr/bin/dnstrail-sub "$CONF" "$UNIT" /usr/lib/sysusers.d/dnstrail.conf \
	/usr/share/man/man8/dnstrail.8.gz; do
	expect_eq "rpm contains $f" "$(grep -cx "$f" "$DT_WORK/rpm-files")" 1
done
expect_eq "rpm owns no system directory" \
	"$(grep -xE '/(etc|usr|usr/s?bin|usr/lib|usr/share|usr/share/man(/man[0-9])?|usr/lib/systemd(/system)?|usr/lib/sysusers.d)' \
		"$DT_WORK/rpm-files" || true)" ""
expect_eq "rpm: only the config is %config, and noreplace" \
	"$(rpm -qp --queryformat '[%{FILEFLAGS:fflags}|%{FILENAMES}\n]' "$RPM" | awk -F'|' '$1 ~ /c/' | tr '\n' ' ')" \
	"cn|$CONF "
requires=$(rpm -qp --requires "$RPM")
for lib in libbpf.so.1 libzmq.so.5 libczmq.so.4 libprotobuf-c.so.1 libyaml-0.so.2; do
	expect_eq "rpm requires $lib (automatic)" "$(grep -cx "$lib()(64bit)" <<<"$requires")" 1
done
expect_eq "rpm does not require python (the examples' shebangs)" "$(grep -c python <<<"$requires" || true)" 0
scripts=$(rpm -qp --scripts "$RPM")
for s in postinstall preuninstall postuninstall; do
	expect_eq "rpm has a $s scriptlet" "$(grep -c "^$s scriptlet" <<<"$scripts")" 1
done

# the file list, exactly, into an empty root
root=$DT_WORK/rpmroot
mkdir -p "$root"
if rpm -i --root "$root" --dbpath /var/lib/rpm --nodeps --noscripts "$RPM" >"$DT_WORK/rpm-i.log" 2>&1; then
	pass "rpm -i --root (empty) --nodeps --noscripts"
else
	flunk "rpm -i --root: $(cat "$DT_WORK/rpm-i.log")"
fi
(cd "$root" && find . \( -type f -o -type l \) ! -path './var/lib/rpm/*' |
	sed 's|^\.||' | sort) >"$DT_WORK/rpm-root-files"
expect_eq "scratch root holds exactly the rpm's files" \
	"$(comm -3 "$DT_WORK/rpm-root-files" <(grep -v '/$' "$DT_WORK/rpm-files" | while read -r f; do
		[[ -d "$root$f" ]] || echo "$f"; done | sort) | tr -d '\t' | tr '\n' ' ')" ""
expect_eq "installed config mode 0644" "$(stat -c %a "$root$CONF")" 644

# the scriptlets, in an overlay of this system (they need a shell, getent,
# systemd-sysusers, systemctl); the upper layer shows what they changed
OVERLAY=$DT_WORK/overlay
mkdir -p "$OVERLAY"/{u,w,m}
mount -t overlay overlay -o "lowerdir=/,upperdir=$OVERLAY/u,workdir=$OVERLAY/w" "$OVERLAY/m"
mount -t proc proc "$OVERLAY/m/proc"
RPMDB=(--root "$OVERLAY/m" --dbpath /var/lib/rpm)
rpm "${RPMDB[@]}" --initdb
if rpm -i "${RPMDB[@]}" --nodeps "$RPM" >"$DT_WORK/rpm-ov.log" 2>&1; then
	pass "rpm -i --root (overlay) with scriptlets"
else
	flunk "rpm -i --root (overlay): $(cat "$DT_WORK/rpm-ov.log")"
fi
expect_ne "%post created the user" "$(grep '^dnstrail:' "$OVERLAY/m/etc/passwd" || true)" ""
expect_eq "%post enabled the unit" \
	"$(readlink "$OVERLAY/m/etc/systemd/system/multi-user.target.wants/dnstrail.service" |
		sed 's|^/lib/|/usr/lib/|')" "$UNIT"
expect_eq "rpm -q" "$(rpm -q "${RPMDB[@]}" dnstrail)" "dnstrail-$version-1.$(uname -m)"
if rpm -e "${RPMDB[@]}" --nodeps dnstrail >"$DT_WORK/rpm-e.log" 2>&1; then
	pass "rpm -e --root (overlay)"
else
	flunk "rpm -e: $(cat "$DT_WORK/rpm-e.log")"
fi
left=""
while read -r f; do
	[[ -e "$OVERLAY/m$f" && ( ! -d "$OVERLAY/m$f" || "$f" == *dnstrail* ) ]] && left+=" $f"
done <"$DT_WORK/rpm-files"
expect_eq "rpm -e left no file of the package" "$left" ""
expect_eq "%preun disabled the unit" \
	"$(find "$OVERLAY/m/etc/systemd/system" -name 'dnstrail*' 2>/dev/null)" ""
umount "$OVERLAY/m/proc"
umount "$OVERLAY/m"
OVERLAY=""

dt_finish
