# The command line every subcommand shares (cli_main in analyzer/cli/common.c): --help exits 0
# with the command's usage; an unknown option, a missing value, a bad common value (--libc, -j,
# --rules) or a missing operand is one line on stderr, nothing on stdout, exit 2, worded the same
# for every command; a command rejects the common options it does not take.
cd "$TMP" || exit 1
lib="$FX/O2/legacy.o"

"$CONFINE" baseline "$lib" -o b.txt 2>/dev/null || fail "cannot write a baseline"
for cmd in scan baseline "check -b b.txt" policy graph rules run; do
	name=${cmd%% *}
	assert_exit 0 "$CONFINE" $cmd --help
	head -1 "$TMP/exit.out" | grep -q "^usage: confine $name " || fail "$name --help: $(head -1 "$TMP/exit.out")"
	[ -s "$TMP/exit.err" ] && fail "$name --help wrote to stderr"
	usage_error "confine: $name: unknown option '--bogus' (try 'confine $name --help')" $cmd --bogus "$lib"
	usage_error "confine: $name: unknown option '-q' (try 'confine $name --help')" $cmd -q "$lib"
	[ "$name" = run ] && continue
	usage_error "confine: --libc: 'musl' is not one of glibc, posix, any" $cmd --libc musl "$lib"
	usage_error "confine: $name: option '--rules' needs a value (try 'confine $name --help')" $cmd "$lib" --rules
	assert_exit 2 "$CONFINE" $cmd --rules no-such.rules "$lib"
	[ "$(wc -l <"$TMP/exit.err")" = 1 ] || fail "$name --rules no-such.rules: $(cat "$TMP/exit.err")"
	grep -q "no-such.rules" "$TMP/exit.err" || fail "$name --rules no-such.rules: $(cat "$TMP/exit.err")"
	[ "$name" = rules ] && continue
	usage_error "confine: -j: '0' is not a number of jobs (1-1024)" $cmd -j 0 "$lib"
	usage_error "confine: $name: option '-j' needs a value (try 'confine $name --help')" $cmd "$lib" -j
	usage_error "confine: $name: no PATH given (try 'confine $name --help')" $cmd -j 1
done

# Each command takes the common options its table lists, and only those.
usage_error "confine: rules: unknown option '-j' (try 'confine rules --help')" rules -j 2
usage_error "confine: rules: unknown option '-o' (try 'confine rules --help')" rules -o x
usage_error "confine: policy: unknown option '-v' (try 'confine policy --help')" policy -v "$lib"
usage_error "confine: policy: unknown option '--suppressions' (try 'confine policy --help')" policy --suppressions x "$lib"
usage_error "confine: policy: unknown option '--shard' (try 'confine policy --help')" policy --shard 1/2 "$lib"
usage_error "confine: graph: unknown option '--cache' (try 'confine graph --help')" graph --cache "$lib"
usage_error "confine: baseline: unknown option '-f' (try 'confine baseline --help')" baseline -f json "$lib"
usage_error "confine: baseline: unknown option '--no-color' (try 'confine baseline --help')" baseline --no-color "$lib"
usage_error "confine: check: unknown option '--decoder' (try 'confine check --help')" check -b b.txt --decoder capstone "$lib"
usage_error "confine: --decoder: 'gas' is not one of zydis, capstone" scan --decoder gas "$lib"
usage_error "confine: --shard: '3/2' is not K/N with 1 <= K <= N" scan --shard 3/2 "$lib"
# The command's own checks come before the operand's.
usage_error "confine: --format: 'svg' is not one of dot, html" graph -f svg
usage_error "confine: check: --baseline FILE is required (write one with 'confine baseline PATH... -o FILE')" check
# rules takes no operand (and ignores any); run's is the program, and its options end there.
assert_exit 0 "$CONFINE" rules --libc posix extra
usage_error "confine: run: no PROGRAM given (try 'confine run --help')" run --explain
assert_exit 0 "$CONFINE" run --help-options --bogus
grep -q "exitcode" "$TMP/exit.out" || fail "run --help-options does not list the guard options"
assert_exit 0 "$CONFINE" run -- sh -c 'exit 0' --bogus
