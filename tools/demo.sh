#!/bin/sh
# make demo: the main job on the project's own fixtures. Scans a legacy library and the program
# using it, runs multi-threaded programs under the runtime guard (libc and entry patching),
# and runs the CI gate on a small project history.
# Usage: tools/demo.sh BUILD_DIR
set -u
build=${1:-build}
confine="$build/bin/confine"
fx="$build/fixtures"
# The guard's analysis cache of the fixtures stays in the build tree, not in the user's.
case $build in /*) XDG_CACHE_HOME="$build/cache-demo" ;; *) XDG_CACHE_HOME="$PWD/$build/cache-demo" ;; esac
export XDG_CACHE_HOME

bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$(printf '\033[1m') plain=$(printf '\033[0m')
fi

step() {
	printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"
	"$@"
}

echo "confine demo: find thread-hostile state in legacy binaries, then confine it at run time."
step "$confine" scan "$fx/O2/liblegacy.so"
step "$confine" scan "$fx/O2/app_cxx"
step "$confine" run -- "$fx/guard/O2/scenarios" tmbuf
echo "(exit status $?: violations were reported, see 'exitcode' in confine run --help-options)"

echo
echo "The program's own functions: the guard patches the entries of the functions the scan flags."
step "$confine" run --explain -- "$fx/patch/O2-pie-cet/app"
step "$confine" run -- "$fx/patch/O2-pie-cet/app" internal
echo "(exit status $?)"

echo
echo "The executor example: a Rust service whose workers send requests over a channel to one"
echo "executor thread, the only caller of a legacy C++ library (fixtures/executor)."
step "$confine" scan "$fx/executor/shared/liblegacy.so"
step "$confine" run --explain -- "$fx/executor/static/executor"
step "$confine" run -- "$fx/executor/shared/executor" correct
echo "(exit status $?: every call went through the executor; Rust's own code is left alone)"
step "$confine" run -- "$fx/executor/static/executor" bug
echo "(exit status $?: worker-1 called the library itself once)"

echo
echo "The CI gate: a baseline of v1, then v2 of the same library brings a static and a strtok call."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
base="$dir/confine.baseline"
step "$confine" baseline "$fx/history/v1-O0/liblegacy.so" -o "$base"
step "$confine" check --baseline "$base" "$fx/history/v2-O0/liblegacy.so"
echo "(exit status $?: new findings fail the check)"
