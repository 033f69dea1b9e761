# Helpers for end-to-end tests (sourced). Each test file calls these; a failed assertion prints
# a diff or the mismatch and marks the file failed, and the runner counts files.
# Environment: CONFINE (the CLI), FX (fixture build dir), GOLDEN (golden dir), TMP (scratch dir).
set -u
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# assert_golden NAME CMD...: the command's stdout must equal tests/golden/NAME
# (UPDATE_GOLDEN=1 rewrites the file instead).
assert_golden() {
	name=$1
	shift
	out="$TMP/$(echo "$name" | tr / _).out"
	"$@" >"$out" 2>"$out.err"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$(dirname "$GOLDEN/$name")"
		cp "$out" "$GOLDEN/$name"
		return 0
	fi
	if ! diff -u "$GOLDEN/$name" "$out" >&2; then
		fail "$name: output differs from tests/golden/$name (stderr: $(head -c 300 "$out.err"))"
	fi
}

# assert_exit CODE CMD...: the command must exit with CODE.
assert_exit() {
	want=$1
	shift
	"$@" >"$TMP/exit.out" 2>"$TMP/exit.err"
	got=$?
	[ "$got" = "$want" ] || fail "exit $got, want $want: $* (stderr: $(head -c 300 "$TMP/exit.err"))"
}

# usage_error WANT ARGS...: confine ARGS exits 2 with exactly WANT on stderr and nothing on stdout.
usage_error() {
	expect=$1
	shift
	assert_exit 2 "$CONFINE" "$@"
	echo "$expect" | cmp -s - "$TMP/exit.err" || fail "confine $*: stderr '$(cat "$TMP/exit.err")', want '$expect'"
	[ -s "$TMP/exit.out" ] && fail "confine $*: stdout not empty"
}

# assert_contains FILE TEXT: FILE holds the exact line TEXT.
assert_line() {
	grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"
}

assert_no_match() {
	if grep -qE -- "$2" "$1"; then
		fail "$1 matches $2: $(grep -E -- "$2" "$1" | head -3)"
	fi
}

# normalize: a guard report with pids, tids, addresses and offsets masked, and the frames
# inside libc and the loader dropped (they depend on installed debug info).
normalize() {
	sed -E -e 's/==[0-9]+==/==PID==/g' -e 's/tid=[0-9]+/tid=N/g' \
		-e 's/#([0-9]+) 0x[0-9a-f]+ /#\1 0xADDR /' -e 's/\+0x[0-9a-f]+\)/+0xOFF)/' |
		grep -v -e 'libc\.so\.6+' -e '(ld-linux'
}

# show_run STATUS: "exit STATUS", $TMP/out, then $TMP/err normalised: a guard golden's layout.
show_run() {
	echo "exit $1"
	echo "--- stdout"
	cat "$TMP/out"
	echo "--- stderr"
	normalize <"$TMP/err"
}

# jsonschema_python: prints the python3 that has the jsonschema module (make test installs
# python3-jsonschema); fails when none has it.
jsonschema_python() {
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import jsonschema' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

finish() {
	[ "$failures" = 0 ]
	exit $?
}
