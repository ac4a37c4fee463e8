#!/bin/bash
# The whole test suite, as CI runs it (.ci/run):
#   1. build/       release build, ctest: unit + live (+ everything else registered)
#   2. build-asan/  -DDNSTRAIL_SANITIZE=ON, ctest -L unit
#   3. build-fuzz/  clang, -DDNSTRAIL_FUZZ=ON, ctest -L fuzz, bounded
# Installs what the tests need first. Every stage runs even when an earlier
# one failed; the exit status is non-zero when any failed.
#   sudo scripts/test.sh
# Environment: JOBS (default nproc), FUZZ_SECONDS per fuzz target (default 30),
# TEST_TIMEOUT per test without its own (default 300 s), SKIP_INSTALL=1,
# STAGES (default "main asan fuzz"), BUILD_PREFIX (default build: build/,
# build-asan/, build-fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
jobs=${JOBS:-$(nproc)}
prefix=${BUILD_PREFIX:-build}
# per test, for tests that set no TIMEOUT of their own: a hang must not eat the CI hour
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
logs=$src/$prefix/test-logs

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
	scripts/install-deps.sh --test
fi
# tp_btf programs attach without tracefs; classic tracepoints and debugging need it
if ((EUID == 0)) && [[ -d /sys/kernel/tracing ]] && ! mountpoint -q /sys/kernel/tracing; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi

declare -a summary=()
failed=0
# stage NAME BUILD_DIR CTEST_ARGS -- CMAKE_ARGS...
stage() {
	local name=$1 dir=$2 ctest_args=$3 log
	shift 4
	mkdir -p "$logs"
	log=$logs/$name.log
	echo "=== $name: configure + build in $dir"
	if ! cmake -S "$src" -B "$dir" "$@" >"$logs/$name-configure.log" 2>&1; then
		tail -n 30 "$logs/$name-configure.log"
		summary+=("$name: configure FAILED (see $logs/$name-configure.log)")
		failed=1
		return 0
	fi
	if ! cmake --build "$dir" -j"$jobs" >"$logs/$name-build.log" 2>&1; then
		grep -E 'error|Error' "$logs/$name-build.log" | head -n 30
		summary+=("$name: build FAILED (see $logs/$name-build.log)")
		failed=1
		return 0
	fi
	echo "=== $name: ctest $ctest_args"
	local rc
	set +e
	# shellcheck disable=SC2086
	(cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout "$TEST_TIMEOUT" $ctest_args) 2>&1 |
		tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	((rc == 0)) || failed=1
	local line
	line=$(grep -E 'tests passed|No tests were found' "$log" | tail -n 1 || true)
	summary+=("$name: ${line:-no ctest summary} (ctest exit $rc)")
}

start=$SECONDS
stages=" ${STAGES:-main asan fuzz} "
if [[ $stages == *" main "* ]]; then
	stage main "$src/$prefix" "" -- -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
if [[ $stages == *" asan "* ]]; then
	stage asan "$src/$prefix-asan" "-L unit" -- -DCMAKE_BUILD_TYPE=Debug -DDNSTRAIL_SANITIZE=ON
fi
if [[ $stages == *" fuzz "* ]]; then
	stage fuzz "$src/$prefix-fuzz" "-L fuzz" -- -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DDNSTRAIL_FUZZ=ON -DDNSTRAIL_FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
fi

echo
echo "=== summary ($((SECONDS - start)) s)"
total_passed=0
total_failed=0
for s in "${summary[@]}"; do
	echo "$s"
	# "main: 98% tests passed, 1 tests failed out of 59 (ctest exit 8)"
	if [[ $s =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
		total_failed=$((total_failed + BASH_REMATCH[1]))
		total_passed=$((total_passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
	fi
done
# one plain closing line over all stages (a failed build counts as a failure)
if ((failed && total_failed == 0)); then
	total_failed=1
fi
if ((failed)); then
	echo "RESULT: FAILED"
	echo "total: $total_passed passed, $total_failed failed"
	exit 1
fi
echo "RESULT: all stages passed"
echo "total: $total_passed passed, $total_failed failed"
