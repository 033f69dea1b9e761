# Runtime guard on real multi-threaded programs (fixtures/guard/scenarios.c at -O0 and -O2):
# each case pins the exit status, the program's output and the whole report. These cases are
# about the libc functions, so the program's own functions are not patched (patch=0; see
# guard_patch.sh for those). Addresses, pids and
# tids vary and are normalised; frames inside libc are dropped (they depend on installed
# debug info), the program's own frames are kept with function, file and line (normalize,
# show_run: lib.sh).

# guard_case OPT SCENARIO [CONFINE_OPTIONS]: exit status, stdout, normalised stderr.
guard_case() {
	CONFINE_OPTIONS="patch=0${3:+:$3}" "$CONFINE" run -- "$FX/guard/$1/scenarios" "$2" >"$TMP/out" 2>"$TMP/err"
	show_run $?
}

for opt in O0 O2; do
	assert_golden "guard/$opt/strtok.txt" guard_case $opt strtok
	assert_golden "guard/$opt/tmbuf.txt" guard_case $opt tmbuf
	# confine_claim, then the join of the claiming thread gives the domain back to main.
	assert_golden "guard/$opt/handover.txt" guard_case $opt handover verbosity=1
	assert_golden "guard/$opt/owner-name.txt" guard_case $opt owner-name 'owner=exec*'
	# An owner that exited unjoined (detached) keeps its domains; a joined one hands them over.
	assert_golden "guard/$opt/owner-exited.txt" guard_case $opt owner-exited
	assert_golden "guard/$opt/owner-joined.txt" guard_case $opt owner-joined verbosity=1
	assert_golden "guard/$opt/claim-kept.txt" guard_case $opt claim-kept verbosity=1
	assert_golden "guard/$opt/fork.txt" guard_case $opt fork
	assert_golden "guard/$opt/signal.txt" guard_case $opt signal
	assert_golden "guard/$opt/env.txt" guard_case $opt env
	# A child forked after its parent reached max_reports reports its own violations.
	assert_golden "guard/$opt/fork-limit.txt" guard_case $opt fork-limit max_reports=1
	# A report made inside a signal handler, on a thread the guard meets there first.
	assert_golden "guard/$opt/handler-report.txt" guard_case $opt handler-report
done

# Options: halting, aborting, the exit status, the log file, environment stripping.
assert_golden guard/halt_on_error.txt guard_case O2 tmbuf halt_on_error=1
assert_golden guard/abort_on_error.txt guard_case O2 tmbuf abort_on_error=1
assert_golden guard/exitcode.txt guard_case O2 strtok exitcode=42
assert_golden guard/strip_env.txt guard_case O2 show-env strip_env=1
assert_golden guard/keep_env.txt guard_case O2 show-env

CONFINE_OPTIONS="patch=0:log_path=$TMP/guard" "$CONFINE" run -- "$FX/guard/O2/scenarios" tmbuf >"$TMP/out" 2>"$TMP/err"
[ "$?" = 66 ] || fail "log_path: exit status $?"
[ ! -s "$TMP/err" ] || fail "log_path: stderr not empty: $(head -3 "$TMP/err")"
set -- "$TMP"/guard.*
[ "$#" = 1 ] && [ -f "$1" ] || fail "log_path: expected one $TMP/guard.PID file, got: $*"
assert_golden guard/log_path.txt sh -c "sed -E 's/==[0-9]+==/==PID==/;s/tid=[0-9]+/tid=N/g;s/#([0-9]+) 0x[0-9a-f]+ /#\1 0xADDR /;s/\+0x[0-9a-f]+\)/+0xOFF)/' '$1' | grep -v 'libc.so.6+'"
case "$1" in "$TMP/guard.$(grep -o '^==[0-9]*==' "$1" | tr -d =)") ;; *) fail "log_path: $1 is not PATH.PID of the reporting process" ;; esac

# Suppressions: by function, by domain, by module; comments and blank lines.
printf '# known race, ticket 123\n\ncross-thread-call:gmtime\n' >"$TMP/by-function.supp"
printf '*:libc:tmbuf\n' >"$TMP/by-domain.supp"
printf 'cross-thread-call:libc.so.6\n' >"$TMP/by-module.supp"
printf 'signal-reentry:gmtime\n' >"$TMP/other-kind.supp"
for s in by-function by-domain by-module; do
	assert_golden "guard/suppressed.txt" guard_case O2 tmbuf "suppressions=$TMP/$s.supp"
done
guard_case O2 tmbuf "suppressions=$TMP/other-kind.supp" >"$TMP/other"
assert_line "$TMP/other" "exit 66"

# Bad options stop the program at start-up with one line and status 2.
assert_golden guard/bad_key.txt guard_case O2 tmbuf nope=1
assert_golden guard/bad_bool.txt guard_case O2 tmbuf halt_on_error=maybe
assert_golden guard/bad_int.txt guard_case O2 tmbuf exitcode=300
assert_golden guard/bad_item.txt guard_case O2 tmbuf verbosity
printf 'cross-thread:gmtime\n' >"$TMP/bad.supp"
guard_case O2 tmbuf "suppressions=$TMP/bad.supp" >"$TMP/bad"
assert_line "$TMP/bad" "exit 2"
assert_line "$TMP/bad" "confine: CONFINE_OPTIONS: $TMP/bad.supp:1: unknown kind 'cross-thread' (one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call, cross-thread-call, signal-reentry, env-write, or * for all)"
guard_case O2 tmbuf "suppressions=$TMP/missing.supp" >"$TMP/missing"
assert_line "$TMP/missing" "exit 2"
assert_line "$TMP/missing" "confine: CONFINE_OPTIONS: $TMP/missing.supp: cannot read suppressions: No such file or directory"
# log_path is checked at start-up, not when the first report would be written.
guard_case O2 tmbuf "log_path=$TMP/no/such/dir/guard" >"$TMP/badlog"
assert_line "$TMP/badlog" "exit 2"
assert_line "$TMP/badlog" "confine: CONFINE_OPTIONS: log_path=$TMP/no/such/dir/guard: cannot write in $TMP/no/such/dir/: No such file or directory"
for lp in "" "$TMP/"; do
	guard_case O2 tmbuf "log_path=$lp" >"$TMP/badlog"
	assert_line "$TMP/badlog" "exit 2"
	assert_line "$TMP/badlog" "confine: CONFINE_OPTIONS: bad value '$lp' for log_path (expected stderr or a file name prefix)"
done

# Plain LD_PRELOAD works as well as confine run.
CONFINE_OPTIONS=patch=0 LD_PRELOAD="$GUARD_LIB" "$FX/guard/O0/scenarios" strtok >"$TMP/out" 2>"$TMP/err"
[ "$?" = 66 ] || fail "LD_PRELOAD: exit status"
normalize <"$TMP/err" | grep -qx 'SUMMARY: confine: cross-thread-call strtok in libc:strtok (thread T2 .intruder. (tid=N), owner T1 .owner-main. (tid=N))' ||
	fail "LD_PRELOAD: no strtok summary: $(cat "$TMP/err")"

# The symbolizer started by a report is kept for the next ones, but is no child of the program
# (a supervisor's wait-for-all returns) and holds none of its descriptors (a pipe reaches EOF).
out=$(timeout 30 env CONFINE_OPTIONS=patch=0 "$CONFINE" run -- "$FX/guard/O2/scenarios" children 2>"$TMP/err")
echo "exit $?" >>"$TMP/children"
[ "$out" = "$(printf 'all children waited for (ECHILD)\ndone')" ] || fail "children: stdout '$out' (exit: $(cat "$TMP/children"))"
grep -qE '^    #0 0x[0-9a-f]+ gmtime_thread fixtures/guard/scenarios.c:[0-9]+ \(scenarios\+0x[0-9a-f]+\)$' "$TMP/err" ||
	fail "children: the report is not symbolized: $(cat "$TMP/err")"
assert_line "$TMP/children" "exit 66"
