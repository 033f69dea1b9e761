#!/bin/sh
# make demo: the main job on the project's own fixtures. Scans a legacy library and the program
# using it, then runs a multi-threaded program under the runtime guard.
# Usage: tools/demo.sh BUILD_DIR
set -u
build=${1:-build}
confine="$build/bin/confine"
fx="$build/fixtures"

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
