#!/bin/sh
# Refresh the REFERENCE part of docs/man/dnstrail.yaml.5 from the daemon's
# own option tables (dnstrail --help-config=man). Run after adding a key or
# a plugin; ctest packaging.man_keys fails until the page is refreshed.
#
# usage: packaging/update-man-reference.sh BUILD_DIR/bin/dnstrail
set -eu

bin=${1:?usage: update-man-reference.sh PATH/TO/dnstrail}
page=$(dirname "$0")/../docs/man/dnstrail.yaml.5

for m in BEGIN END; do
	grep -q "$m GENERATED REFERENCE" "$page" || { echo "$page: no $m GENERATED REFERENCE marker" >&2; exit 1; }
done
ref=$(mktemp)
new=$(mktemp)
trap 'rm -f "$ref" "$new"' EXIT
"$bin" --help-config=man >"$ref"
[ -s "$ref" ] || { echo "$bin --help-config=man printed nothing" >&2; exit 1; }
# keep the markers, replace what lies between them
awk -v b="BEGIN GENERATED REFERENCE" -v e="END GENERATED REFERENCE" -v ref="$ref" '
	index($0, b) { print; while ((getline l < ref) > 0) print l; skip = 1; next }
	index($0, e) { skip = 0 }
	!skip' "$page" >"$new"
if cmp -s "$new" "$page"; then
	echo "$page: up to date"
else
	cat "$new" >"$page"
	echo "$page: reference refreshed"
fi
