#!/bin/sh
# Runs every tests/e2e/*.sh (each one a group of assertions) and prints "N passed, N failed".
# Usage: tests/run-e2e.sh BUILD_DIR [pattern]
set -u
build=${1:-build}
pattern=${2:-}
export CONFINE="$PWD/$build/bin/confine" FX="$PWD/$build/fixtures" GOLDEN="$PWD/tests/golden"
export GUARD_LIB="$PWD/$build/lib/libconfine_guard.so" BUILD="$PWD/$build"
passed=0
failed=0
for t in tests/e2e/*.sh; do
	case "$t" in *lib.sh) continue ;; esac
	[ -n "$pattern" ] && case "$t" in *"$pattern"*) ;; *) continue ;; esac
	TMP=$(mktemp -d)
	export TMP
	if sh -c ". tests/e2e/lib.sh; . $t; finish"; then
		echo "PASS: $t"
		passed=$((passed + 1))
	else
		echo "FAIL: $t"
		failed=$((failed + 1))
	fi
	rm -rf "$TMP"
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
