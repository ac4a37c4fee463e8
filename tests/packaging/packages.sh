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
#  5. dpkg --purge leaves nothing: files, /etc/dnstrail, user, group,
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

for tool in cpack dpkg lintian rpm rpmbuild man setpriv; do
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
DEB_INSTALLED=0

pkg_cleanup() {
	local rc=$?
	set +e
	if [[ -n "$OVERLAY" ]]; then
		umount "$OVERLAY/m/proc" 2>/dev/null
		umount "$OVERLAY/m" 2>/dev/null
	fi
	if ((DEB_INSTALLED)); then
		dpkg --purge dnstrail >/dev/null 2>&1
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
trap 'pkg_cleanup; dt_cleanup' EXIT
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
if dpkg -i "$DEB" >"$DT_WORK/dpkg-i.log" 2>&1; then
	DEB_INSTALLED=1
	pass "dpkg -i"
else
	DEB_INSTALLED=1
	log "dpkg -i failed, trying apt-get install -f for missing dependencies"
	if apt-get install -f -y >>"$DT_WORK/dpkg-i.log" 2>&1 &&
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
	sleep 1
	expect_eq "alive after SIGHUP (ExecReload)" "$(kill -0 "$DT_PID" 2>/dev/null && echo yes)" yes
	expect_eq "SIGHUP reloaded the config" "$(grep -c 'reloaded' "$DT_ERR" || true)" 1
fi
dt_client "$DT_WORK/dig.out" dig +tries=1 +timeout=2 "@$DT_S4" "www.$DT_ZONE" A
dt_wait_count "$(dt_q "www.$DT_ZONE" A)" 1 5 || true
dt_stop INT
expect_eq "installed daemon exits 0 on SIGINT" "$DT_STATUS" 0
dt_one "dig www.$DT_ZONE A through the installed daemon" "$(dt_q "www.$DT_ZONE" A)"
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

# --- 4b. upgrade (reinstall): the administrator's edits and choices stay --------
sed -i 's/^\(  log_level:\) info$/\1 debug/' "$CONF"
systemctl --root=/ disable dnstrail.service >/dev/null 2>&1 || true # works offline
if dpkg -i "$DEB" >"$DT_WORK/dpkg-up.log" 2>&1; then
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
if dpkg -r dnstrail >"$DT_WORK/remove.log" 2>&1; then
	pass "dpkg -r"
else
	flunk "dpkg -r: $(cat "$DT_WORK/remove.log")"
fi
expect_eq "remove took the program" "$(test -e /usr/sbin/dnstrail && echo present)" ""
expect_eq "remove kept the edited config" "$(grep -c '^  log_level: debug$' "$CONF" 2>/dev/null)" 1
expect_ne "remove kept the user" "$(getent passwd dnstrail || true)" ""
if dpkg --purge dnstrail >"$DT_WORK/purge.log" 2>&1; then
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
