# %post of dnstrail. $1: 1 = fresh install, 2 or more = upgrade.
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers /usr/lib/sysusers.d/dnstrail.conf || :
elif ! getent passwd dnstrail >/dev/null; then
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /sbin/nologin --comment "dnstrail DNS tracer" dnstrail || :
fi
if [ "$1" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then
	# Enable, never start: works offline (image builds, chroots) too.
	systemctl --no-reload enable dnstrail.service >/dev/null 2>&1 || :
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || :
fi
