#!/bin/bash
# SPDX-License-Identifier: MIT
# Where the kernel side's time goes: builds dnstrail with one of the
# patches in bench/variants/ (each removes one piece of work from the BPF
# programs) and runs bench/bpf_cost.sh alternately with that build and this
# one (bench/ab.sh). The difference per round is what the piece costs.
# Variants are for measuring only: most of them lose events on purpose.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VARIANTS="$ROOT/bench/variants"

usage()
{
	cat <<EOF
usage: bench/bpf_variant.sh [-r ROUNDS] [-o DIR] [-b BUILD] [-k] VARIANT [bpf_cost OPTIONS...]

Builds this checkout with bench/variants/VARIANT.patch applied (in a copy of the
tracked files, under \$TMPDIR), then runs bench/ab.sh: bpf_cost.sh with the
variant (A) and with BUILD (B, default build/), alternated, ROUNDS times (default 4).
Prints the per-round table of the BPF rows.

  -r, --rounds N   alternated rounds (default 4)
  -o, --out DIR    results directory (default bench-results/variant-VARIANT)
  -b, --build DIR  the reference build (default build)
  -k, --keep       keep the variant's source copy and build
  -l, --list       list the variants and what each leaves out
  -h, --help       this text

Variants:
$(list_variants)

Examples:
  bench/bpf_variant.sh no-ring -d 5            # what the ring buffer costs a DNS packet
  bench/bpf_variant.sh -r 6 before-record -d 5 # the checks before the record, alone
EOF
}

# the first line of each patch's description ("# ..." lines before the diff)
list_variants()
{
	local p
	for p in "$VARIANTS"/*.patch; do
		printf '  %-16s %s\n' "$(basename "$p" .patch)" "$(sed -n 's/^# //p' "$p" | head -1)"
	done
}

ROUNDS=4
OUT=
BUILD="$ROOT/build"
KEEP=
while [ $# -gt 0 ]; do
	case "$1" in
	-r|--rounds) ROUNDS=$2; shift 2 ;;
	-o|--out) OUT=$2; shift 2 ;;
	-b|--build) BUILD=$2; shift 2 ;;
	-k|--keep) KEEP=1; shift ;;
	-l|--list) list_variants; exit 0 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "bpf_variant: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { usage >&2; exit 2; }
VARIANT=$1
shift
PATCH="$VARIANTS/$VARIANT.patch"
[ -f "$PATCH" ] || { echo "bpf_variant: no variant '$VARIANT'; there are:" >&2; list_variants >&2; exit 2; }
[ -x "$BUILD/bin/dnstrail" ] || { echo "bpf_variant: no $BUILD/bin/dnstrail (build first, or -b DIR)" >&2; exit 2; }
command -v git >/dev/null || { echo "bpf_variant: git is needed to copy the tracked files" >&2; exit 2; }
: "${OUT:=$ROOT/bench-results/variant-$VARIANT}"

SRC=$(mktemp -d "${TMPDIR:-/tmp}/dnstrail-variant-$VARIANT.XXXXXX")
cleanup() { [ -n "$KEEP" ] && echo "bpf_variant: kept $SRC" >&2 || rm -rf "$SRC"; }
trap cleanup EXIT

# the tracked files as they are in the working tree (uncommitted edits too)
git -C "$ROOT" ls-files -z | (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$SRC" ||
	{ echo "bpf_variant: copying the source failed" >&2; exit 1; }
(cd "$SRC" && git apply "$PATCH") 2>"$SRC/apply.err" || {
	echo "bpf_variant: $VARIANT.patch no longer applies to bpf/ (update it):" >&2
	cat "$SRC/apply.err" >&2
	exit 1
}
echo "bpf_variant: building $VARIANT in $SRC/build" >&2
if ! cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$SRC/cmake.log" 2>&1 ||
	! cmake --build "$SRC/build" -j "$(nproc)" --target dnstrail >"$SRC/build.log" 2>&1; then
	echo "bpf_variant: the variant does not build; last lines of $SRC/build.log:" >&2
	tail -20 "$SRC/build.log" "$SRC/cmake.log" >&2
	KEEP=1
	exit 1
fi
# the scenario starts a subscriber from the same build directory
ln -sf "$BUILD/bin/dnstrail-sub" "$SRC/build/bin/dnstrail-sub"

"$ROOT/bench/ab.sh" -r "$ROUNDS" -o "$OUT" -m 'BPF ns|empty programs' bpf_cost \
	"DTB_BUILD=$SRC/build" "DTB_BUILD=$BUILD" "$@"
