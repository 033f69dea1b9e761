#!/bin/sh
# Checks that every build dependency is present; prints one clear line for the first one missing.
# Usage: tools/probe.sh [test]
fail() { echo "confine: missing dependency: $1 (Debian package $2); run 'make deps'" >&2; exit 1; }
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config" pkg-config
pkg-config --exists libelf || fail "libelf" libelf-dev
pkg-config --exists libdw || fail "libdw" libdw-dev
pkg-config --exists capstone || fail "capstone" libcapstone-dev
pkg-config --exists jansson || fail "jansson" libjansson-dev
[ -f /usr/include/Zydis/Zydis.h ] || fail "Zydis (x86 decoder)" libzydis-dev
[ -f /usr/include/libiberty/demangle.h ] || fail "libiberty (demangler)" libiberty-dev
if [ "${1:-}" = test ]; then
	pkg-config --exists cmocka || fail "cmocka" libcmocka-dev
	command -v g++ >/dev/null 2>&1 || fail "g++" g++
	command -v clang >/dev/null 2>&1 || fail "clang" clang
	command -v man >/dev/null 2>&1 || fail "man (man page tests)" man-db
	{ /usr/bin/python3 -c 'import jsonschema' || python3 -c 'import jsonschema'; } >/dev/null 2>&1 ||
		fail "python3 jsonschema (SARIF schema validation)" python3-jsonschema
fi
exit 0
