#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/ab.sh --table on runs written by hand: the per-round columns, the
# median of A - B with how often A was lower, and the median A / B; a
# bpf_cost value compares by its "(N above empty)" part.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fail=0
# round r: rate A, rate B, DNS ns A, DNS ns B (total and above the floor)
rounds=("100 110 300.0 (250.0 above empty) 320.0 (240.0 above empty)"
	"130 100 310.0 (200.0 above empty) 330.0 (260.0 above empty)"
	"90 120 305.0 (210.0 above empty) 300.0 (270.0 above empty)")
for r in 1 2 3; do
	read -r qa qb rest <<<"${rounds[$((r - 1))]}"
	na=$(sed 's/\(above empty)\) .*/\1/' <<<"$rest")
	nb=$(sed 's/.*above empty) //' <<<"$rest")
	mkdir -p "$D/A-$r" "$D/B-$r"
	printf 'rate\t%s\t\t\nBPF ns per DNS packet\t%s\t<= 150\t\n' "$qa" "$na" >"$D/A-$r/bpf_cost.tsv"
	printf 'rate\t%s\t\t\nBPF ns per DNS packet\t%s\t<= 150\t\n' "$qb" "$nb" >"$D/B-$r/bpf_cost.tsv"
done
out=$("$ROOT/bench/ab.sh" --table -o "$D" bpf_cost 'X=1' '' 2>&1)
row() { grep "^| $1 |" <<<"$out"; }
expect() # what row field want
{
	local got
	got=$(row "$2" | awk -F' [|] ?' -v f="$3" '{ print $f }')
	if [ "$got" = "$4" ]; then echo "ok   - $1 ($got)"; else
		echo "FAIL: $1: got '$got', want '$4'"
		fail=1
	fi
}
# rate: A - B = -10, +30, -30 -> median -10, A lower in 2; A/B 0.909 1.3 0.75 -> 0.909
expect "rate, per round" rate 2 "100 / 130 / 90"
expect "rate, median difference" rate 4 "-10 (A lower in 2 of 3)"
expect "rate, median ratio" rate 5 "0.909"
# DNS: above empty 250-240 = +10, 200-260 = -60, 210-270 = -60 -> -60, A lower in 2
expect "DNS, by the part above empty" "BPF ns per DNS packet" 4 "-60 (A lower in 2 of 3)"
grep -q "^3 alternated rounds of bpf_cost" <<<"$out" || { echo "FAIL: rounds not counted: $out"; fail=1; }
"$ROOT/bench/ab.sh" --table -o "$D/none" bpf_cost a b >/dev/null 2>&1 &&
	{ echo "FAIL: --table on a missing directory succeeded"; fail=1; }
[ $fail = 0 ] && echo "ab.sh --table: all ok"
exit $fail
