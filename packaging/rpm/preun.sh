# %preun of dnstrail. $1: 0 = erase, 1 or more = upgrade (keep running).
if [ "$1" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
	systemctl --no-reload disable dnstrail.service >/dev/null 2>&1 || :
	if [ -d /run/systemd/system ]; then
		systemctl stop dnstrail.service >/dev/null 2>&1 || :
	fi
fi
