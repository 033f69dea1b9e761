# The executor example (fixtures/executor): a Rust host whose workers send requests over a
# channel to one executor thread that alone calls a legacy C++ library, built with the library
# as a shared object and linked statically into the host. Each case pins the exit status, the
# program's output and every report's lines that do not depend on the Rust toolchain: the
# headline, the threads, the first frame of each stack, the summary.
export XDG_CACHE_HOME="$TMP/cache"

# Frames beyond the first come from Rust's std, whose paths and inlining vary by rustc version.
executor_normalize() {
	sed -E -e 's/==[0-9]+==/==PID==/g' -e 's/tid=[0-9]+/tid=N/g' \
		-e 's/^    #0 0x[0-9a-f]+ (.*) \(([^+]*)\+0x[0-9a-f]+\)$/    #0 \1 (\2)/' |
		grep -v -E '^    #[1-9]'
}

# executor_case FORM MODE [CONFINE_OPTIONS]
executor_case() {
	CONFINE_OPTIONS="${3:-}" "$CONFINE" run -- "$FX/executor/$1/executor" "$2" >"$TMP/out" 2>"$TMP/err"
	echo "exit $?"
	echo "--- stdout"
	cat "$TMP/out"
	echo "--- stderr"
	executor_normalize <"$TMP/err"
}

for form in shared static; do
	# Without the guard: the program's own status and output.
	"$FX/executor/$form/executor" bug >"$TMP/plain" 2>&1
	[ $? = 0 ] || fail "executor $form bug without the guard: exit status not 0"
	assert_line "$TMP/plain" "executor served 100 requests, 506 words in all"
	# libc only: the worker's direct call is seen at strtok and localtime.
	for mode in correct claim release; do
		assert_golden "guard/executor/$form-libc-$mode.txt" executor_case $form $mode patch=0
	done
	assert_golden "guard/executor/$form-libc-bug.txt" executor_case $form bug patch=0
done

# The library's own module scoped by hand: the legacy function itself is confined too.
for mode in correct claim release; do
	assert_golden "guard/executor/shared-$mode.txt" executor_case shared $mode modules=liblegacy.so
done
assert_golden "guard/executor/shared-bug.txt" executor_case shared bug modules=liblegacy.so

# Default options: the legacy C++ code is confined (thread-naive), Rust's own code is not.
for form in shared static; do
	for mode in correct claim release; do
		assert_golden "guard/executor/default-$mode.txt" executor_case $form $mode
	done
	assert_golden "guard/executor/$form-default-bug.txt" executor_case $form bug
done
"$CONFINE" run --explain -- "$FX/executor/static/executor" >"$TMP/explain" 2>&1
assert_line "$TMP/explain" "  unit fixtures/executor/legacy.cpp (C++): 1 function confined (thread-naive)"
grep -q '^  unit .* (Rust): [0-9]* functions left alone (thread-aware: written in Rust)$' "$TMP/explain" ||
	fail "executor explain: no Rust unit left alone: $(head -5 "$TMP/explain")"
