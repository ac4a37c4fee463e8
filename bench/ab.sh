#!/bin/bash
# SPDX-License-Identifier: MIT
# A/B of one scenario: runs bench/SCENARIO.sh under two settings, alternated
# (A, B, A, B, ...), and prints each metric's values per round side by side.
# Use it to compare two builds (DTB_BUILD) or two daemon configurations
# (DTB_DAEMON_ARGS) on this noisy machine: only alternated runs compare.
set -uo pipefail

usage()
{
	cat <<'EOF'
usage: bench/ab.sh [-r ROUNDS] [-o DIR] [-m REGEX] [-t] SCENARIO 'A SETTINGS' 'B SETTINGS' [SCENARIO OPTIONS...]

Runs bench/SCENARIO.sh ROUNDS times (default 3) with each of two settings,
alternated, and prints a table: one row per metric of the scenario's TSV
(only those matching REGEX with -m), the values of every round for A and B,
and per metric the median over rounds of A − B (with how many rounds A was
lower) and of A / B. A value compares by its first number, or by N of
"(N above empty)" in bench/bpf_cost.sh's rows.
SETTINGS are shell variable assignments put in the environment of that side's
runs; '' for the defaults. Each run's own table and TSV go to DIR/A-1, DIR/B-1, ...
(default bench-results/ab-SCENARIO); the side-by-side table to DIR/ab.md too.

  -r, --rounds N    alternated rounds (default 3)
  -o, --out DIR     results directory
  -m, --metric RE   only metrics matching this extended regex
  -t, --table       run nothing: print the table of the runs already in DIR (-o);
                    A and B SETTINGS are then only the table's labels
  -h, --help        this text

Examples:
  # one shared ring buffer against one per CPU, BPF cost, 5 pairs of 5 s
  printf 'pipeline:\n  inputs:\n    - name: ebpf\n      ring_per_cpu: false\n' >/tmp/shared.yaml
  bench/ab.sh -r 5 -m 'DNS packet' bpf_cost 'DTB_DAEMON_ARGS="-c /tmp/shared.yaml"' '' -d 5
  # the daemon's CPU at a steady 60 000 q/s, an old build against this one
  bench/ab.sh -m 'CPU s' memory 'DTB_BUILD=/tmp/old/build DTB_MEM_SECONDS=30 DTB_MEM_QPS=60000 DTB_MEM_ANALYZE=0' \
      'DTB_MEM_SECONDS=30 DTB_MEM_QPS=60000 DTB_MEM_ANALYZE=0'
  # the table of those runs again, e.g. with other metrics
  bench/ab.sh --table -o bench-results/ab-memory -m 'RSS|CPU' memory old new
EOF
}

ROUNDS=3
OUT=
METRIC=.
TABLE_ONLY=
while [ $# -gt 0 ]; do
	case "$1" in
	-r|--rounds) ROUNDS=$2; shift 2 ;;
	-o|--out) OUT=$2; shift 2 ;;
	-m|--metric) METRIC=$2; shift 2 ;;
	-t|--table) TABLE_ONLY=1; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 3 ] || { usage >&2; exit 2; }
SCENARIO=$1 A=$2 B=$3
shift 3
BENCH=$(cd "$(dirname "$0")" && pwd)
SCRIPT=$BENCH/$SCENARIO.sh
[ -x "$SCRIPT" ] && [ "$SCENARIO" != ab ] && [ "$SCENARIO" != run-all ] ||
	{ echo "no scenario $SCENARIO (one of: $(cd "$BENCH" && ls ./*.sh | sed 's|^\./||; s|\.sh$||' |
		grep -vxE 'ab|lib|peers|run-all' | tr '\n' ' '))" >&2; exit 2; }
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds: a positive number" >&2; exit 2; }
: "${OUT:=$PWD/bench-results/ab-$SCENARIO}"
if [ -n "$TABLE_ONLY" ]; then
	[ -d "$OUT" ] || { echo "--table: no directory $OUT" >&2; exit 2; }
else
	mkdir -p "$OUT" || exit 1
fi
OUT=$(cd "$OUT" && pwd) || exit 1

# one benchmark at a time on a host: lib.sh's lock, taken once here for all runs
. "$BENCH/lib.sh"
DTB_SCENARIO=ab
[ -n "$TABLE_ONLY" ] || dtb_lock

if [ -n "$TABLE_ONLY" ]; then
	ROUNDS=$(find "$OUT" -maxdepth 1 -type d -name 'A-[0-9]*' | wc -l)
	[ "$ROUNDS" -gt 0 ] || dtb_die "no runs in $OUT (A-1, B-1, ...)"
fi
for r in $(seq 1 "$ROUNDS"); do
	[ -n "$TABLE_ONLY" ] && break
	for side in A B; do
		settings=$A
		[ $side = B ] && settings=$B
		dtb_log "round $r/$ROUNDS, $side: $SCENARIO ${settings:-(defaults)}"
		# a subshell: the settings reach this run only
		({ [ -z "$settings" ] || eval "export $settings"; } && exec "$SCRIPT" -o "$OUT/$side-$r" "$@") \
			>"$OUT/$side-$r.txt" 2>"$OUT/$side-$r.log" ||
			dtb_die "$side round $r failed: $(tail -2 "$OUT/$side-$r.log")"
	done
done

# metric -> "v1 / v2 / ..." per side, in the order the scenario wrote them
python3 - "$OUT" "$SCENARIO" "$ROUNDS" "$METRIC" "$A" "$B" <<'PYEOF' | tee "$OUT/ab.md"
import csv, re, sys
out, scenario, rounds, metric, a, b = sys.argv[1:]
rounds = int(rounds)
order, values = [], {}
for side in "AB":
    for r in range(1, rounds + 1):
        try:
            f = open(f"{out}/{side}-{r}/{scenario}.tsv", newline="")
        except OSError:
            continue
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 2 or not re.search(metric, row[0]):
                continue
            if row[0] not in values:
                order.append(row[0])
                values[row[0]] = {"A": [], "B": []}
            values[row[0]][side].append(row[1].strip())
print(f"A: {a or '(defaults)'}")
print(f"B: {b or '(defaults)'}")
print(f"{rounds} alternated rounds of {scenario}\n")

def num(v):
    """The number a round's value compares by: N of "(N above empty)" (the
    run's own floor taken off), else the value's first number."""
    m = re.search(r"\(([-+\d.eE]+) above empty\)", v) or re.match(r"\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)", v)
    try:
        return float(m.group(1)) if m else None
    except ValueError:
        return None


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def paired(a_vals, b_vals):
    """Round by round (A and B of one round ran back to back): the median
    difference, how often A was lower, and the median ratio."""
    pairs = [(num(x), num(y)) for x, y in zip(a_vals, b_vals)]
    pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
    if not pairs:
        return "", ""
    diffs = [x - y for x, y in pairs]
    lower = sum(d < 0 for d in diffs)
    ratios = [x / y for x, y in pairs if y]
    d = median(diffs)
    diff = f"{d:+,.0f}" if abs(d) >= 1000 else f"{d:+.3g}"
    return (f"{diff} (A lower in {lower} of {len(diffs)})",
            f"{median(ratios):.3f}" if ratios else "")


print("| metric | A, per round | B, per round | A − B, median of the rounds | A / B, median |")
print("|---|---|---|---|---|")
for m in order:
    d, q = paired(values[m]["A"], values[m]["B"])
    print(f"| {m} | {' / '.join(values[m]['A'])} | {' / '.join(values[m]['B'])} | {d} | {q} |")
if not order:
    sys.exit("no metric matched")
PYEOF
