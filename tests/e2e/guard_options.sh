# Guard options in the sanitizers' style: ':' or spaces separate options, and ',' before a key
# (modules=a,b keeps its comma); booleans are 0/1, true/false, yes/no; help=1 prints the table
# (the same as confine run --help-options) and exits 0 without running the program; a
# suppression of an unknown kind (ThreadSanitizer's race:) lists the kinds.
app="$FX/guard/O2/scenarios"

# opts_exit WANT OPTIONS: the tmbuf scenario (one violation) exits WANT under OPTIONS.
opts_exit() {
	CONFINE_OPTIONS="patch=0:$2" "$CONFINE" run -- "$app" tmbuf >"$TMP/out" 2>"$TMP/err"
	got=$?
	[ "$got" = "$1" ] || fail "CONFINE_OPTIONS='$2': exit $got, want $1 ($(grep -v '^ ' "$TMP/err" | head -2))"
}
opts_exit 66 ""
opts_exit 3 "exitcode=3"
opts_exit 4 "halt_on_error=yes exitcode=4"
opts_exit 5 "exitcode=5,halt_on_error=true"
opts_exit 6 "  exitcode=6	max_reports=1 "
opts_exit 0 "exitcode=0:halt_on_error=no"
opts_exit 7 "exitcode=7,patch=false"
for b in 0 1 true false yes no; do
	CONFINE_OPTIONS="strip_env=$b" "$CONFINE" run -- true || fail "strip_env=$b is refused"
done

# A ',' inside a value stays there: modules=nomatch,scen* patches the program.
"$CONFINE" run --explain --options 'modules=nomatch,scen* exitcode=5' -- "$app" >"$TMP/plan" 2>&1
grep -q "^  jump  0x[0-9a-f]* *tmbuf  *domain scenarios$" "$TMP/plan" || fail "modules=nomatch,scen*: $(head -3 "$TMP/plan")"
"$CONFINE" run --explain --options 'modules=nomatch,other,exitcode=5' -- "$app" >"$TMP/plan" 2>&1
assert_line "$TMP/plan" "$app: not patched (not matched by modules=)"

# help=1: the table on stderr, exit 0, the program not run.
"$CONFINE" run --help-options >"$TMP/table"
head -1 "$TMP/table" | grep -q "^Guard options: CONFINE_OPTIONS='key=value key=value'" ||
	fail "--help-options: $(head -1 "$TMP/table")"
assert_line "$TMP/table" "  help=0                   print this table of options on stderr and exit (status 0) without running the program"
assert_line "$TMP/table" "  halt_on_error=0          stop the program after the first report (exit status: exitcode)"
for o in "help=1" "help=yes:nope=1" "help=1 log_path=/nonexistent/x"; do
	CONFINE_OPTIONS="$o" "$CONFINE" run -- "$app" show-env >"$TMP/out" 2>"$TMP/err"
	got=$?
	case $o in
	*nope*) [ "$got" = 2 ] || fail "CONFINE_OPTIONS=$o: exit $got, want 2 (an unknown key wins)" ;;
	*)
		[ "$got" = 0 ] || fail "CONFINE_OPTIONS=$o: exit $got, want 0"
		[ -s "$TMP/out" ] && fail "CONFINE_OPTIONS=$o ran the program"
		cmp -s "$TMP/table" "$TMP/err" || fail "CONFINE_OPTIONS=$o: the table differs from --help-options"
		;;
	esac
done

# Errors name the accepted values, and the kinds of suppressions.
opts_exit 2 "halt_on_error=maybe"
assert_line "$TMP/err" "confine: CONFINE_OPTIONS: bad value 'maybe' for halt_on_error (expected 0/1, true/false or yes/no)"
# "nope" is no key, so its comma belongs to the value.
opts_exit 2 "exitcode=3,nope=1"
assert_line "$TMP/err" "confine: CONFINE_OPTIONS: bad value '3,nope=1' for exitcode (expected a number)"
printf '# TSan style\nrace:localtime\n' >"$TMP/tsan.supp"
opts_exit 2 "suppressions=$TMP/tsan.supp"
assert_line "$TMP/err" "confine: CONFINE_OPTIONS: $TMP/tsan.supp:2: unknown kind 'race' (one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call, cross-thread-call, signal-reentry, env-write, or * for all)"

# Errors in confine run's --options name them, not CONFINE_OPTIONS (where they reach the guard):
# checked before the program runs, with --explain too; CONFINE_OPTIONS' own keep its name.
for explain in "" --explain; do
	usage_error "confine: run: --options: unknown option 'bogus' (help=1 lists them)" \
		run $explain --options bogus=1 -- "$app" show-env
	usage_error "confine: run: --options: bad value 'maybe' for halt_on_error (expected 0/1, true/false or yes/no)" \
		run $explain --options 'patch=0 halt_on_error=maybe' -- "$app" show-env
	usage_error "confine: run: --options: log_path=$TMP/no/dir/log: cannot write in $TMP/no/dir/: No such file or directory" \
		run $explain --options "log_path=$TMP/no/dir/log" -- "$app" show-env
	usage_error "confine: run: --options: $TMP/tsan.supp:2: unknown kind 'race' (one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call, cross-thread-call, signal-reentry, env-write, or * for all)" \
		run $explain --options "suppressions=$TMP/tsan.supp" -- "$app" show-env
done
CONFINE_OPTIONS=bogus=1 "$CONFINE" run --options patch=0 -- "$app" show-env >"$TMP/out" 2>"$TMP/err"
[ "$?" = 2 ] || fail "CONFINE_OPTIONS=bogus=1 with --options: exit status"
echo "confine: CONFINE_OPTIONS: unknown option 'bogus' (help=1 lists them)" | cmp -s - "$TMP/err" ||
	fail "CONFINE_OPTIONS=bogus=1 with --options: stderr '$(cat "$TMP/err")'"
