#!/bin/sh
# Runs the cmocka unit binaries and the end-to-end tests; ends with "tests: N passed, N failed".
# Usage: tests/run-all.sh BUILD_DIR
set -u
build=${1:-build}
export FX="$PWD/$build/fixtures" BUILD="$PWD/$build"
passed=0
failed=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	status=$?
	echo "$out" | grep -E '^\[  (PASSED|FAILED)  \]|^\[  ERROR   \]|^\[  FAILED  \] ' | sed "s|^|$(basename "$t"): |"
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	passed=$((passed + ${p:-0}))
	if [ "$status" != 0 ]; then
		failed=$((failed + ${f:-1}))
		echo "$out" | tail -20
	fi
done
e2e=$(tests/run-e2e.sh "$build")
status=$?
echo "$e2e"
p=$(echo "$e2e" | sed -n 's/^e2e: \([0-9]*\) passed.*/\1/p')
f=$(echo "$e2e" | sed -n 's/^e2e: [0-9]* passed, \([0-9]*\) failed/\1/p')
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
[ "$status" != 0 ] && [ "${f:-0}" = 0 ] && failed=$((failed + 1))
echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
