# %postun of dnstrail. $1: 0 = erased, 1 or more = upgraded: restart on the
# new binary if it was running. RPM has no purge: a modified config stays
# as dnstrail.yaml.rpmsave and the user stays, as Fedora policy asks.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || :
	if [ "$1" -ge 1 ]; then
		systemctl try-restart dnstrail.service >/dev/null 2>&1 || :
	fi
fi
if [ "$1" -eq 0 ]; then
	rmdir /etc/dnstrail 2>/dev/null || :
fi
