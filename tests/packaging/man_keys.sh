#!/bin/bash
# Every configuration key the daemon knows is documented in dnstrail.yaml(5):
# for each section/plugin that `dnstrail --help-config` prints, the man page
# has a ".SS KIND: NAME" subsection, and every key printed under it appears
# there as ".B KEY" or ".BR KEY". Also the reverse: no subsection documents a
# plugin the daemon does not have. Skips (77) while the daemon lacks the option.
#
# usage: man_keys.sh DNSTRAIL_BINARY MAN_PAGE
set -euo pipefail

bin=${1:?usage: man_keys.sh DNSTRAIL_BINARY MAN_PAGE}
page=${2:?usage: man_keys.sh DNSTRAIL_BINARY MAN_PAGE}

if [ ! -x "$bin" ]; then
	echo "skip: $bin not built"
	exit 77
fi
if ! ref=$("$bin" --help-config 2>/dev/null) || [ -z "$ref" ]; then
	echo "skip: $bin has no --help-config"
	exit 77
fi

printf '%s\n' "$ref" | python3 "$(dirname "$0")/man_keys.py" "$page"
