# Races in the guard's own state, made certain with the guard's test build (its fault points,
# runtime_guard/faults.h, stop a thread where the program under test says: fixtures/guard/races.c).
# Each case failed before its fix: the report lost after a refused lock, the second descriptor
# on log_path, the bound-at stack mixed from two, the handler called with the wrong signature.
FAULTS_LIB="$BUILD/lib/libconfine_guard-faults.so"

# race_case OPT SCENARIO [CONFINE_OPTIONS]: exit status, stdout, normalised stderr. The guard's
# test build is preloaded directly (confine run would preload the production one).
race_case() {
	timeout 60 env CONFINE_OPTIONS="patch=0${3:+:$3}" LD_PRELOAD="$FAULTS_LIB" "$FX/guard/$1/races" "$2" \
		>"$TMP/out" 2>"$TMP/err"
	show_run $?
}

for opt in O0 O2; do
	# A report whose lock is refused (inside a handler, as when a report is interrupted on its
	# thread) is not marked as reported: the same call site reports outside the handler.
	assert_golden "guard/$opt/race-refused-lock.txt" race_case $opt refused-lock
	# A report made while a claim rewrites the bound-at stack shows no stack, not a mix of two.
	assert_golden "guard/$opt/race-bound-torn.txt" race_case $opt bound-torn
	# A signal during sigaction's change of handler calls the old handler with its own
	# signature (the test build passes a one-argument handler null siginfo and context).
	assert_golden "guard/$opt/race-handler-torn.txt" race_case $opt handler-torn

	# Two threads' first messages to log_path at once: both open it, one descriptor stays.
	rm -f "$TMP"/log.*
	timeout 60 env CONFINE_OPTIONS="patch=0:verbosity=1:log_path=$TMP/log" LD_PRELOAD="$FAULTS_LIB" \
		"$FX/guard/$opt/races" log-open "$TMP/log" >"$TMP/out" 2>"$TMP/err"
	status=$?
	[ "$status" = 0 ] || fail "$opt log-open: exit $status, want 0: $(head -3 "$TMP/err")"
	[ "$(cat "$TMP/out")" = "descriptors open on the log: 1" ] ||
		fail "$opt log-open: want one descriptor on the log, got: $(cat "$TMP/out")"
	[ ! -s "$TMP/err" ] || fail "$opt log-open: stderr not empty: $(head -3 "$TMP/err")"
	set -- "$TMP"/log.*
	[ "$#" = 1 ] && [ -f "$1" ] || fail "$opt log-open: want one $TMP/log.PID, got: $*"
	# (which thread's first guarded call comes first, and gets serial T2, is open)
	# (main joins them, and takes over what they claimed)
	[ "$(normalize <"$1" | sed -E "s/ T[23] '/ T2|3 '/" | sort)" = "==PID== confine: 0 violations reported
==PID== confine: T1 'main' (tid=N) took over libc:asctime from T2|3 'claimer-b' (tid=N), which it joined
==PID== confine: T1 'main' (tid=N) took over libc:tmbuf from T2|3 'claimer-a' (tid=N), which it joined
==PID== confine: T2|3 'claimer-a' (tid=N) claimed libc:tmbuf
==PID== confine: T2|3 'claimer-b' (tid=N) claimed libc:asctime" ] ||
		fail "$opt log-open: log differs: $(cat "$1")"
done

# The same race without fault points: one thread changes a signal's handler a million times
# (three-argument, one-argument, ...) while another raises the signal over and over. Every
# handler call gets its own signature's arguments, every previous action sigaction returns is
# whole. (On the old code this found 1 to 1,394 wrong calls in each of five runs.)
timeout 120 env CONFINE_OPTIONS=patch=0 LD_PRELOAD="$FAULTS_LIB" "$FX/guard/O2/races" handler-stress 1000000 \
	>"$TMP/out" 2>"$TMP/err"
status=$?
[ "$status" = 0 ] || fail "handler-stress: exit $status, want 0: $(head -3 "$TMP/err")"
assert_line "$TMP/out" \
	"1000000 changes; every signal handled: yes; wrong signatures: 0; wrong previous actions: 0"
