#!/bin/bash
# Live: started without privileges (as nobody), dnstrail says why in one
# sentence on stderr and exits non-zero instead of running blind.
. "$(dirname "$0")/lib.sh"

[[ -x "$DNSTRAIL" ]] || die "$DNSTRAIL not built"
DT_WORK=$(mktemp -d "/tmp/dnstrail-$DT_TEST.XXXXXX")
chmod 1777 "$DT_WORK" # nobody may create its ipc socket here
trap dt_cleanup EXIT
out=$DT_WORK/out err=$DT_WORK/err

set +e
if ((EUID == 0)); then
	timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		"$DNSTRAIL" --stdout=json --publish "ipc://$DT_WORK/pub.sock" --duration 3 >"$out" 2>"$err"
else
	timeout 20 "$DNSTRAIL" --stdout=json --publish "ipc://$DT_WORK/pub.sock" --duration 3 >"$out" 2>"$err"
fi
rc=$?
set -e

log "exit status $rc; stderr: $(head -c 400 "$err")"
if ((rc != 0 && rc != 124)); then pass "exits non-zero ($rc)"; else flunk "exit status $rc (0 = ran without privileges, 124 = hung)"; fi
nonempty=$(grep -c . "$err" || true)
if ((nonempty >= 1 && nonempty <= 2)); then
	pass "stderr holds one message ($nonempty line(s))"
else
	flunk "stderr should hold one clear sentence, has $nonempty lines"
fi
if grep -qiE 'root|privilege|capabilit|CAP_BPF|permission' "$err"; then
	pass "the message says what is missing (root / privileges / capabilities)"
else
	flunk "the message does not mention root, privileges or capabilities: '$(head -c 300 "$err")'"
fi
expect_eq "nothing on stdout" "$(wc -c <"$out")" 0
dt_finish
