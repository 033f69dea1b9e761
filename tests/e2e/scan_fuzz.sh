# Bounded robustness test: 150 deterministic mutants (fixed seeds, tests/e2e/mutate.c) of a .o,
# a .so and a stripped executable are scanned one by one under timeout. Every run must exit 0 or
# 2 (never a signal, never a timeout), an exit 2 must come with exactly one "confine: error:"
# line naming the file, an exit 0 with none and with the file's report; stderr holds nothing
# but such lines; a truncated file is always rejected. Then all mutants of a fixture are
# scanned in one command: the same errors in the same order, every clean one reported again.
src_dir=$PWD
cd "$TMP" || exit 1
cc -O2 -o mutate "$src_dir/tests/e2e/mutate.c" || fail "cannot compile tests/e2e/mutate.c"
PER_FIXTURE=50

seed=1
for fx in O0/legacy.o O2/liblegacy_cxx.so O0/app-stripped; do
	seed=$((seed + 1))
	base=$(basename "$fx")
	mkdir "m-$base"
	./mutate "$FX/$fx" "m-$base/$base" "$PER_FIXTURE" "$seed" >"m-$base.list" ||
		fail "mutate $fx failed"
	[ "$(wc -l <"m-$base.list")" = "$PER_FIXTURE" ] || fail "mutate $fx: not $PER_FIXTURE mutants"
	: >"m-$base.errs"
	ok=0
	while read -r f kind what; do
		timeout 10 "$CONFINE" scan --no-color "$f" >run.out 2>run.err
		st=$?
		# Every stderr line is an error or warning about this file.
		esc=$(printf '%s' "$f" | sed 's/[].[*^$\\/]/\\&/g')
		if grep -vE "^confine: (error|warning): $esc: ." run.err >run.other; then
			fail "$f ($what): stray stderr: $(head -c 300 run.other)"
		fi
		nerr=$(grep -c "^confine: error: $esc: ." run.err)
		case $st in
		0)
			[ "$nerr" = 0 ] || fail "$f ($what): exit 0 with an error line"
			head -1 run.out | grep -q "^$esc  (" || fail "$f ($what): exit 0 without its report"
			ok=$((ok + 1))
			;;
		2)
			[ "$nerr" = 1 ] || fail "$f ($what): exit 2 with $nerr error lines: $(head -c 300 run.err)"
			;;
		124) fail "$f ($what): timed out after 10 s (hang)" ;;
		*) fail "$f ($what): exit $st (crash?): $(head -c 300 run.err)" ;;
		esac
		# A cut anywhere reaches the section header table at the end of the file: rejected.
		[ "$kind" = 1 ] && [ "$st" != 2 ] && fail "$f ($what): exit $st for a truncated file, want 2"
		cat run.err >>"m-$base.errs"
	done <"m-$base.list"
	# Both outcomes occur, or the test proves little.
	[ "$ok" -ge 5 ] || fail "$fx: only $ok of $PER_FIXTURE mutants scanned cleanly"
	[ "$ok" -lt "$PER_FIXTURE" ] || fail "$fx: no mutant was rejected"

	# All mutants in one command, two jobs: same errors, same order; every clean one reported.
	# shellcheck disable=SC2046
	timeout 60 "$CONFINE" scan --no-color -j 2 $(cut -d" " -f1 "m-$base.list") >all.out 2>all.err
	st=$?
	if [ "$ok" = "$PER_FIXTURE" ]; then want=0; else want=2; fi
	[ "$st" = "$want" ] || fail "m-$base (all mutants): exit $st, want $want"
	diff -u "m-$base.errs" all.err >&2 || fail "m-$base (all mutants): stderr differs from the single runs"
	assert_line all.out "summary: $ok modules; $(sed -n 's/^summary: [0-9]* modules; //p' all.out)"
	[ "$(grep -c "^m-$base/$base\.[0-9]*  (" all.out)" = "$ok" ] ||
		fail "m-$base (all mutants): not $ok module reports"
done
