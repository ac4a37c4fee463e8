#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/variants/*.patch still apply to bpf/ (bench/bpf_variant.sh measures
# with them; a patch that rots would only fail when someone reruns a figure
# of docs/PERFORMANCE.md), each says what it leaves out, and the runner
# rejects an unknown variant.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ERR=$(mktemp)
trap 'rm -f "$ERR"' EXIT
fail=0
n=0
for p in "$ROOT"/bench/variants/*.patch; do
	v=$(basename "$p" .patch)
	n=$((n + 1))
	if ! (cd "$ROOT" && git apply --check "$p") 2>"$ERR"; then
		echo "FAIL: $v.patch does not apply: $(head -3 "$ERR")"
		fail=1
	fi
	if ! head -1 "$p" | grep -q '^# [a-z]'; then
		echo "FAIL: $v.patch has no '# what it leaves out' first line"
		fail=1
	fi
	if grep '^+++ ' "$p" | grep -qv '^+++ b/bpf/'; then
		echo "FAIL: $v.patch changes more than bpf/"
		fail=1
	fi
	"$ROOT/bench/bpf_variant.sh" --list | grep -q "^  $v " || {
		echo "FAIL: bpf_variant.sh --list does not show $v"
		fail=1
	}
done
[ "$n" -ge 4 ] || { echo "FAIL: only $n variants found"; fail=1; }
"$ROOT/bench/bpf_variant.sh" no-such-variant >/dev/null 2>&1
rc=$?
[ "$rc" = 2 ] || { echo "FAIL: an unknown variant exits $rc, not 2"; fail=1; }
[ "$fail" = 0 ] && echo "ok: $n variants apply"
exit "$fail"
