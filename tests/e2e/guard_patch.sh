# Runtime guard, entry patching (fixtures/patch: a legacy library, a plugin and a driver built at
# -O0, -O2 and -O3, PIE and non-PIE, with and without -fcf-protection). Each case checks the
# report's exact lines; three variants also pin whole reports in golden files.
VARIANTS="O0-pie-cet O0-pie-nocet O0-nopie-cet O0-nopie-nocet O2-pie-cet O2-pie-nocet O2-nopie-cet
O2-nopie-nocet O3-pie-cet O3-pie-nocet O3-nopie-cet O3-nopie-nocet"
export XDG_CACHE_HOME="$TMP/cache"

# run VARIANT SCENARIO [OPTIONS]: exit status, stdout and normalised stderr to $TMP/run.
run() {
	(cd "$FX/patch/$1" && CONFINE_OPTIONS="${3:-}" "$CONFINE" run -- ./app $2 >"$TMP/out" 2>"$TMP/err")
	echo "exit $?" >"$TMP/run"
	cat "$TMP/out" >>"$TMP/run"
	normalize <"$TMP/err" >>"$TMP/run"
}

# expect LINE: the last run printed exactly this line.
expect() {
	grep -qxF -- "$1" "$TMP/run" || fail "$v $s: no line '$1' in: $(cat "$TMP/run")"
}

expect_re() {
	grep -qxE -- "$1" "$TMP/run" || fail "$v $s: no line matching '$1' in: $(cat "$TMP/run")"
}

reports() {
	grep -c 'confine: thread-confinement violation' "$TMP/run"
}

owner_main="  domain liblegacy.so is owned by thread T1 'owner-main' (tid=N), bound at:"
for v in $VARIANTS; do
	s=lib; run $v lib
	expect "exit 66"
	expect "  cross-thread-call: legacy_add (liblegacy.so) in domain liblegacy.so"
	expect "  called on thread T2 'intruder' (tid=N):"
	expect "$owner_main"
	# Reached from the executable only through legacy_forward, which touches nothing itself.
	s=internal; run $v internal
	expect "  cross-thread-call: note (liblegacy.so) in domain liblegacy.so"
	expect_re "    #0 0xADDR legacy_forward fixtures/patch/legacy.c:[0-9]+ \(liblegacy.so\+0xOFF\)"
	[ "$(reports)" = 1 ] || fail "$v internal: $(reports) reports, want 1"
	# The clones the compiler made (scale.constprop.0, apply.constprop.0.isra.0 at -O2/-O3).
	s=clone; run $v clone
	expect_re "  cross-thread-call: scale(\.constprop\.[0-9]+)? \(liblegacy.so\) in domain liblegacy.so"
	s=isra; run $v isra
	expect_re "  cross-thread-call: apply(\.constprop\.[0-9]+)?(\.isra\.[0-9]+)? \(liblegacy.so\) in domain liblegacy.so"
	s=static; run $v static
	expect "  cross-thread-call: bump (app) in domain app"
	expect "  domain app is owned by thread T1 'owner-main' (tid=N), bound at:"
	# Entries a jump cannot hook go through an int3, with the reason at verbosity=1.
	s=spin; run $v spin verbosity=1
	expect "==PID== confine: liblegacy.so: trapping legacy_spin: a branch lands inside the patched bytes"
	expect "  cross-thread-call: legacy_spin (liblegacy.so) in domain liblegacy.so"
	# max_reports: the first report, then one line, and the exit status still says so.
	s=lib; run $v lib max_reports=1:verbosity=1
	expect "exit 66"
	[ "$(reports)" = 1 ] || fail "$v lib max_reports=1: $(reports) reports"
	expect "==PID== confine: 1 violation reported: not reporting any more (max_reports=0 reports them all)"
	expect "==PID== confine: 1 violation reported, 1 more not shown (max_reports)"
	# A trapped push: the stacks are unwound from the entry's CFI, down to _start.
	s=pushloop; run $v pushloop verbosity=1
	expect "==PID== confine: liblegacy.so: trapping legacy_pushloop: a branch lands inside the patched bytes"
	expect "  cross-thread-call: legacy_pushloop (liblegacy.so) in domain liblegacy.so"
	expect_re "    #[0-9]+ 0xADDR _start \(app\+0xOFF\)"
	grep -qE "unknown module|ld-linux" "$TMP/run" && fail "$v pushloop: a stack walks into garbage: $(cat "$TMP/run")"
	s=callfirst; run $v callfirst verbosity=1
	expect "==PID== confine: liblegacy.so: trapping legacy_callfirst: a call among the first instructions"
	expect "  cross-thread-call: legacy_callfirst (liblegacy.so) in domain liblegacy.so"
	# The trapped call still happens: legacy_bump runs (and is reported from the intruder too).
	expect "  cross-thread-call: legacy_bump (liblegacy.so) in domain liblegacy.so"
	# A library loaded with dlopen while another thread runs is patched before dlopen returns.
	s=plugin; run $v "plugin ." verbosity=1
	expect "==PID== confine: libplugin.so: 1 functions confined (1 by jump, 0 by trap), 0 skipped"
	expect "  cross-thread-call: plugin_touch (libplugin.so) in domain libplugin.so"
	# Silent when everything runs on the executor that claimed every domain.
	s=confined; run $v confined
	[ "$(cat "$TMP/run")" = "$(printf 'exit 0\ndone')" ] || fail "$v confined: $(cat "$TMP/run")"
	# The pre-fork worker owned the library: the child's calls are not violations.
	s=fork; run $v fork
	[ "$(cat "$TMP/run")" = "$(printf 'exit 0\nchild exit 0\ndone')" ] || fail "$v fork: $(cat "$TMP/run")"
	s=wx; run $v wx
	expect "writable and executable mappings: 0"
	# The program's SIGTRAP handler and SIG_IGN, set after the guard took SIGTRAP for its int3
	# entries: its own trap reaches its handler once, and the trapped legacy_spin still works.
	s=traps; run $v traps
	expect "exit 66"
	expect "SIGTRAP caught at start: yes"
	[ "$(grep -c '^own SIGTRAP handler$' "$TMP/run")" = 1 ] || fail "$v traps: $(cat "$TMP/run")"
	expect "  cross-thread-call: legacy_spin (liblegacy.so) in domain liblegacy.so"
	expect "done"
	# Nothing trapped (only the executable's jumps): SIGTRAP stays the program's.
	run $v traps modules=app
	[ "$(cat "$TMP/run")" = "$(printf 'exit 0\nSIGTRAP caught at start: no\nown SIGTRAP handler\ndone')" ] ||
		fail "$v traps modules=app: $(cat "$TMP/run")"
	# One domain per module reports two groups of state used from two threads; domains=state not.
	s=groups; run $v groups
	expect "exit 66"
	run $v groups domains=state
	[ "$(cat "$TMP/run")" = "$(printf 'exit 0\ndone')" ] || fail "$v groups domains=state: $(cat "$TMP/run")"
done

# Whole reports for three variants.
for v in O0-pie-nocet O2-pie-cet O3-nopie-nocet; do
	for s in lib internal static spin callfirst pushloop groups; do
		run $v $s
		assert_golden "patch/$v/$s.txt" cat "$TMP/run"
	done
done

# A 2-byte tail jump to a listed function (a policy made with --rules) is shorter than a jump.
printf 'legacy_target\n' >"$TMP/tiny.rules"
(cd "$FX/patch/O2-pie-cet" && "$CONFINE" policy --rules "$TMP/tiny.rules" -o "$TMP/tiny.policy" app liblegacy.so) ||
	fail "confine policy failed"
v=O2-pie-cet s=tiny
run $v tiny "policy=$TMP/tiny.policy:verbosity=1"
expect "==PID== confine: liblegacy.so: trapping legacy_tiny: shorter than the 5-byte jump"
expect "  cross-thread-call: legacy_tiny (liblegacy.so) in domain liblegacy.so"

# A stripped executable: its functions have no names, unless the policy of its unstripped build
# (same build-id) names them. Fresh caches, since the cache is keyed by build-id too.
export XDG_CACHE_HOME="$TMP/cache-stripped"
(cd "$FX/patch/O2-pie-cet" && CONFINE_OPTIONS=modules=app-stripped "$CONFINE" run -- ./app-stripped static >/dev/null 2>"$TMP/err")
grep -qE '^  cross-thread-call: 0x[0-9a-f]+ \(app-stripped\) in domain app-stripped$' "$TMP/err" ||
	fail "stripped without policy: $(grep cross-thread "$TMP/err")"
(cd "$FX/patch/O2-pie-cet" && "$CONFINE" policy -o "$TMP/app.policy" app) || fail "confine policy app failed"
export XDG_CACHE_HOME="$TMP/cache-stripped2"
v=O2-pie-cet s=stripped
(cd "$FX/patch/$v" && CONFINE_OPTIONS="modules=app-stripped:policy=$TMP/app.policy" "$CONFINE" run -- ./app-stripped static >/dev/null 2>"$TMP/err")
normalize <"$TMP/err" >"$TMP/run"
expect "  cross-thread-call: bump (app-stripped) in domain app-stripped"

# A policy without the module warns and analyzes it; a malformed policy stops at start-up.
run $v lib "policy=$TMP/app.policy"
expect_re "==PID== confine: warning: policy $TMP/app.policy has no module with the build-id of .*/liblegacy.so \([0-9a-f]{40}\): analyzing it instead"
printf 'confine-policy 1 version=0.1.0 rules=-\nmodule - /x\nnot a function line\n' >"$TMP/bad.policy"
run $v lib "policy=$TMP/bad.policy"
expect "exit 2"
expect "confine: CONFINE_OPTIONS: policy=$TMP/bad.policy: not a confine policy (write one with 'confine policy')"

# The cache: a second start analyzes nothing (its entry is reused) and the result is the same.
export XDG_CACHE_HOME="$TMP/cache-warm"
run O2-pie-cet lib
first=$(cat "$TMP/run")
ls "$XDG_CACHE_HOME/confine/"*.policy >/dev/null 2>&1 || fail "no cache entries written"
run O2-pie-cet lib
[ "$first" = "$(cat "$TMP/run")" ] || fail "warm cache: different result"

# The plan, without running the program.
assert_golden patch/explain.txt sh -c "cd '$FX/patch/O2-pie-cet' && '$CONFINE' run --explain -- ./app | sed -E -e 's|^/.*/(lib[a-z]+\.so)|\1|' -e 's|^/.*/app$|./app|'"
# With patch=0 nothing is patched, and --explain says so for every module.
(cd "$FX/patch/O2-pie-cet" && "$CONFINE" run --options patch=0 --explain -- ./app) >"$TMP/explain0" ||
	fail "explain patch=0 failed"
[ "$(grep -c ': not patched (patch=0)$' "$TMP/explain0")" = 4 ] || fail "explain patch=0: $(cat "$TMP/explain0")"
grep -q ' jump \| trap ' "$TMP/explain0" && fail "explain patch=0 plans patches: $(cat "$TMP/explain0")"
# A program that cannot be run: 127, as a run would give.
assert_exit 127 "$CONFINE" run --explain -- "$TMP/no-such-program"
assert_line "$TMP/exit.err" "confine: run: $TMP/no-such-program: not found or not executable"
# A statically linked program (-static, -static-pie) has no loader to preload the guard: refused
# with 127 and one line, also with --explain and when found through PATH, and not run. A script
# runs (its interpreter is what is preloaded), unless that interpreter is statically linked.
printf '#include <stdio.h>\nint main(void) { puts("ran"); return 0; }\n' >"$TMP/hello.c"
gcc -static -o "$TMP/static" "$TMP/hello.c" || fail "gcc -static failed"
gcc -static-pie -o "$TMP/static-pie" "$TMP/hello.c" || fail "gcc -static-pie failed"
for p in static static-pie; do
	for explain in "" --explain; do
		assert_exit 127 "$CONFINE" run $explain -- "$TMP/$p"
		echo "confine: run: $TMP/$p: statically linked: the guard cannot be preloaded into it" |
			cmp -s - "$TMP/exit.err" || fail "run $explain $p: stderr '$(cat "$TMP/exit.err")'"
		[ -s "$TMP/exit.out" ] && fail "run $explain $p: stdout '$(cat "$TMP/exit.out")'"
	done
done
assert_exit 127 env PATH="$TMP:$PATH" "$CONFINE" run -- static
assert_line "$TMP/exit.err" "confine: run: $TMP/static: statically linked: the guard cannot be preloaded into it"
printf '#!/bin/sh\necho "script ran"\n' >"$TMP/script"
chmod +x "$TMP/script"
assert_exit 0 env PATH="$TMP:$PATH" "$CONFINE" run -- script
assert_line "$TMP/exit.out" "script ran"
# An empty entry of PATH is the current directory, as for execvp; a script whose interpreter is
# statically linked is refused too.
assert_exit 127 sh -c 'cd "$1" && PATH=":/usr/bin:/bin" "$2" run -- static' sh "$TMP" "$CONFINE"
assert_line "$TMP/exit.err" "confine: run: ./static: statically linked: the guard cannot be preloaded into it"
# A directory of the program's name earlier in PATH is passed over, as execvp does.
mkdir -p "$TMP/pathdir/static"
assert_exit 127 env PATH="$TMP/pathdir:$TMP:$PATH" "$CONFINE" run -- static
assert_line "$TMP/exit.err" "confine: run: $TMP/static: statically linked: the guard cannot be preloaded into it"
printf '#!%s\n' "$TMP/static" >"$TMP/static-script"
chmod +x "$TMP/static-script"
assert_exit 127 "$CONFINE" run -- "$TMP/static-script"
assert_line "$TMP/exit.err" "confine: run: $TMP/static-script: its interpreter $TMP/static is statically linked: the guard cannot be preloaded into it"
# The distribution's programs are not patched by default (a service's children inherit the
# guard); named in modules= they are, by their real name (/bin/sh is dash here).
assert_exit 0 "$CONFINE" run --explain -- /bin/sh
real_sh=$(realpath /bin/sh)
assert_line "$TMP/exit.out" "$real_sh: not patched (a system program; choose with modules=)"
assert_exit 0 "$CONFINE" run --explain --options "modules=${real_sh##*/}" -- /bin/sh
grep -qE "^  [0-9]+ functions confined \([0-9]+ by jump, [0-9]+ by trap\), [0-9]+ skipped$" "$TMP/exit.out" ||
	fail "modules=${real_sh##*/}: no plan for the shell: $(cat "$TMP/exit.out")"
