#!/bin/sh
# Installs the Debian packages that a make target needs, only those missing (apt-get as root, else sudo).
# Usage: tools/deps.sh build|test|bench|fuzz
set -eu
build="gcc g++ make pkg-config libelf-dev libdw-dev libcapstone-dev libjansson-dev libiberty-dev binutils libzydis-dev"
test="$build libcmocka-dev clang python3-jsonschema man-db python3-yaml"
# The graph page is tested in a real browser.
test="$test chromium"
# The bench scans the largest libLLVM: Debian 12 has libllvm14, later releases only newer ones.
llvm_pkg() {
	if dpkg-query -W -f='${Status}' libllvm14 2>/dev/null | grep -q 'ok installed' ||
		apt-cache show libllvm14 >/dev/null 2>&1; then
		echo libllvm14
		return
	fi
	newest=$(apt-cache pkgnames libllvm 2>/dev/null | grep -E '^libllvm[0-9]+$' | sort -V | tail -1)
	echo "${newest:-libllvm14}"
}
bench="$test valgrind"
# The executor example's host is Rust: Debian's rustc, unless a rustc (rustup's) is on PATH.
if ! command -v rustc >/dev/null 2>&1; then
	build="$build rustc"
	test="$test rustc"
	bench="$bench rustc"
fi
fuzz="$test libclang-rt-14-dev"
[ "${1:-}" = bench ] && bench="$bench $(llvm_pkg)"
case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
fuzz) want=$fuzz ;;
*) echo "deps.sh: unknown set '$1' (build, test, bench or fuzz)" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "confine: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "confine: cannot install packages (not root, no password-less sudo); run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh image has empty package lists; refresh them only when an install needs it.
if ! $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	$sudo apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
	$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null
fi
