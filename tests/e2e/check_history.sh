# confine baseline and check on the history of a small legacy library (fixtures/history): the
# baseline of v1; v1 rebuilt at -O2, with clang (-O2, -O0) and without debug info has no new
# finding; v2 fails naming exactly its new static and its new strtok call (at -O0, -O2, without
# debug info); v3 passes and reports rand fixed; --update-baseline drops what is fixed; accepted
# entries survive regeneration; same-named statics are counted. Outputs: tests/golden/check/.
cd "$TMP" || exit 1
ln -s "$FX/history" h
B=baseline.txt
PASS_V1="confine check: 0 new (0 errors, 0 warnings), 0 fixed, 8 unchanged: passed"

# --- the baseline of v1 ---------------------------------------------------------------------------
assert_exit 0 "$CONFINE" baseline h/v1-O0/liblegacy.so -o $B
assert_line "$TMP/exit.err" "confine: $B: 8 generated entries, 0 accepted"
[ -s "$TMP/exit.out" ] && fail "baseline -o FILE: stdout not empty"
assert_golden check/baseline-v1.txt cat $B
# Without -o the same text goes to standard output.
"$CONFINE" baseline h/v1-O0/liblegacy.so | cmp -s $B - || fail "baseline to stdout differs from -o"
# An existing empty file (from mktemp or touch) is written like a missing one.
: >empty.txt
assert_exit 0 "$CONFINE" baseline h/v1-O0/liblegacy.so -o empty.txt
cmp -s $B empty.txt || fail "baseline -o EMPTY-FILE differs from the baseline of v1"

# --- the same source rebuilt: nothing new --------------------------------------------------------
for v in v1-O0 v1-O2 v1-clang v1-clang-O0 v1-nodebug; do
	assert_exit 0 "$CONFINE" check --baseline $B h/$v/liblegacy.so
	echo "$PASS_V1" | cmp -s - "$TMP/exit.out" || fail "check $v: $(cat "$TMP/exit.out")"
	[ -s "$TMP/exit.err" ] && fail "check $v: stderr: $(head -c 300 "$TMP/exit.err")"
	# A baseline written from any rebuild is the same file.
	"$CONFINE" baseline h/$v/liblegacy.so -o "$TMP/b-$v.txt" 2>/dev/null
	cmp -s $B "$TMP/b-$v.txt" || fail "baseline of $v differs from the baseline of v1-O0"
done
# clang's DWARF 5 (DW_OP_addrx locations, file 0): state has its declaration line, as with gcc.
assert_golden check/scan-v1-clang.txt "$CONFINE" scan --no-color h/v1-clang/liblegacy.so
assert_line "$TMP/check_scan-v1-clang.txt.out" "    fixtures/history/v1/legacy.c:7 mutable-global       g_requests  reads, writes  (.bss, 4 bytes)"
assert_golden check/scan-v1-clang-O0.txt "$CONFINE" scan --no-color h/v1-clang-O0/liblegacy.so
# The binaries themselves differ: the fingerprints, not the bytes, are what stays the same.
cmp -s h/v1-O0/liblegacy.so h/v1-O2/liblegacy.so && fail "v1-O0 and v1-O2 are the same file"
"$CONFINE" check -j1 --baseline $B h/v1-clang/liblegacy.so | cmp -s - "$TMP/exit.out" || fail "-j1 differs"

# --- v2: exactly the new static and the new strtok call ------------------------------------------
for v in v2-O0 v2-O2 v2-nodebug; do
	assert_exit 1 "$CONFINE" check --baseline $B h/$v/liblegacy.so
	assert_golden check/$v.txt "$CONFINE" check --baseline $B h/$v/liblegacy.so
	[ "$(grep -c '^new ' "$TMP/exit.out")" = 2 ] || fail "check $v: not exactly 2 new findings"
	grep -q "^new error: .*mutable-static 's_fields' (file scope)" "$TMP/exit.out" || fail "check $v: s_fields missing"
	grep -q "^new error: .*non-reentrant-call 'strtok' in legacy_fields; use strtok_r" "$TMP/exit.out" ||
		fail "check $v: strtok in legacy_fields missing"
done
assert_golden check/v2-O0.json "$CONFINE" check --baseline $B --format json h/v2-O0/liblegacy.so
# Both new findings are errors: --severity warning fails the same way.
assert_exit 1 "$CONFINE" check --baseline $B --severity warning h/v2-O2/liblegacy.so

# --- v3: rand fixed, the new function reentrant --------------------------------------------------
assert_exit 0 "$CONFINE" check --baseline $B h/v3-O0/liblegacy.so
assert_golden check/v3-O0.txt "$CONFINE" check --baseline $B h/v3-O0/liblegacy.so
# A baseline of v2 (its additions accepted): v3 fixes three findings and passes.
"$CONFINE" baseline h/v2-O0/liblegacy.so -o b2.txt 2>/dev/null
assert_exit 0 "$CONFINE" check --baseline b2.txt h/v3-O0/liblegacy.so
assert_line "$TMP/exit.out" "confine check: 0 new (0 errors, 0 warnings), 3 fixed, 7 unchanged: passed"

# --- --update-baseline: the ratchet ---------------------------------------------------------------
cp $B b3.txt
assert_exit 0 "$CONFINE" check --baseline b3.txt --update-baseline h/v3-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: b3.txt: removed 1 fixed entry"
assert_golden check/baseline-v3-updated.txt cat b3.txt
grep -v "	legacy_roll	rand	" $B | cmp -s - b3.txt || fail "--update-baseline changed more than the rand line"
# Nothing left to drop: the file stays as it is.
assert_exit 0 "$CONFINE" check --baseline b3.txt --update-baseline h/v3-O0/liblegacy.so
[ -s "$TMP/exit.err" ] && fail "--update-baseline with nothing fixed: stderr: $(cat "$TMP/exit.err")"
# rand back (v1): a new warning, which fails only with --severity warning.
assert_exit 0 "$CONFINE" check --baseline b3.txt h/v1-O2/liblegacy.so
assert_golden check/v1-O2-rand.txt "$CONFINE" check --baseline b3.txt h/v1-O2/liblegacy.so
assert_exit 1 "$CONFINE" check --baseline b3.txt --severity warning h/v1-O2/liblegacy.so
# New findings are not added by --update-baseline: v2 still fails after it.
cp $B b4.txt
assert_exit 1 "$CONFINE" check --baseline b4.txt --update-baseline h/v2-O0/liblegacy.so
cmp -s $B b4.txt || fail "--update-baseline with only new findings changed the file"
assert_exit 1 "$CONFINE" check --baseline b4.txt h/v2-O0/liblegacy.so

# --- accepted entries -----------------------------------------------------------------------------
# Move the rand line to [accepted] with a reason and a comment: regeneration keeps both, and the
# generated section no longer holds rand.
rand_line=$(grep "	legacy_roll	rand	" $B | sed 's/	existing$/	seeded once per process, called from the main thread only/')
awk -v l="$rand_line" '/^\[accepted\]$/ { print; print "# reviewed in #1234"; print l; next } /	legacy_roll	rand	/ { next } { print }' $B >b5.txt
assert_exit 0 "$CONFINE" check --baseline b5.txt h/v1-O0/liblegacy.so
echo "$PASS_V1" | cmp -s - "$TMP/exit.out" || fail "accepted rand: $(cat "$TMP/exit.out")"
assert_exit 0 "$CONFINE" baseline h/v1-O2/liblegacy.so -o b5.txt
assert_line "$TMP/exit.err" "confine: b5.txt: 7 generated entries, 1 accepted"
assert_golden check/baseline-accepted.txt cat b5.txt
# v3 fixes the accepted rand: reported fixed (accepted), kept by --update-baseline.
assert_exit 0 "$CONFINE" check --baseline b5.txt --update-baseline h/v3-O0/liblegacy.so
assert_line "$TMP/exit.out" "fixed: non-reentrant-call 'rand' in legacy_roll [liblegacy.so] (accepted)"
assert_line b5.txt "$rand_line"
assert_line b5.txt "# reviewed in #1234"

# --- same-named statics: counted per fingerprint ------------------------------------------------
# Both files of the library have a static s_calls (one fingerprint, two lines). With one line
# gone, the second occurrence is new.
awk '/	s_calls	/ && !done { done = 1; next } { print }' $B >b6.txt
[ "$(grep -c '	s_calls	' b6.txt)" = 1 ] || fail "b6.txt should hold one s_calls line"
assert_exit 1 "$CONFINE" check --baseline b6.txt h/v1-O0/liblegacy.so
assert_line "$TMP/exit.out" "new error: fixtures/history/v1/util.c:4: mutable-static 's_calls' (file scope) [h/v1-O0/liblegacy.so]"
assert_line "$TMP/exit.out" "confine check: 1 new (1 error, 0 warnings), 0 fixed, 7 unchanged: failed"

# --- modules not scanned ----------------------------------------------------------------------------
# Entries of another module are neither fixed nor dropped when it is not part of the check.
mkdir other
cp h/v1-O0/liblegacy.so other/libother.so
"$CONFINE" baseline other/libother.so 2>/dev/null | grep '	libother\.so	' >other.txt
[ "$(wc -l <other.txt)" = 8 ] || fail "the baseline of libother.so should have 8 entries"
cat $B other.txt >b7.txt
assert_exit 0 "$CONFINE" check --baseline b7.txt --update-baseline h/v1-O0/liblegacy.so
assert_line "$TMP/exit.out" "confine check: 0 new (0 errors, 0 warnings), 0 fixed, 8 unchanged, 8 not scanned: passed"
[ "$(grep -c 'libother' b7.txt)" = 8 ] || fail "--update-baseline dropped entries of a module not scanned"
# Both modules at once: all 16 unchanged.
assert_exit 0 "$CONFINE" check --baseline b7.txt h/v1-O2/liblegacy.so other/libother.so
assert_line "$TMP/exit.out" "confine check: 0 new (0 errors, 0 warnings), 0 fixed, 16 unchanged: passed"
