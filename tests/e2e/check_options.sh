# Options of confine check and confine baseline: help texts with the exit statuses, command-line
# errors (exit 2, one line), -o, --jobs; suppressions (the guard's kind:pattern format) for scan,
# baseline and check: which names they match, their errors, and that a suppressed finding is
# neither new nor fixed.
ROOT=$PWD
cd "$TMP" || exit 1
ln -s "$FX/history" h
"$CONFINE" baseline h/v1-O0/liblegacy.so -o b.txt 2>/dev/null || fail "cannot write a baseline"

# --- help ---------------------------------------------------------------------------------------
assert_exit 0 "$CONFINE" check --help
cp "$TMP/exit.out" check-help.txt
assert_line check-help.txt "usage: confine check --baseline FILE [options] PATH..."
for opt in "-b, --baseline FILE" "--update-baseline" "--severity LEVEL" "-f, --format FMT" "sarif" \
	"-o, --output FILE" "--suppressions FILE" "--source-root DIR" "--rules FILE" "--libc SET" \
	"-j, --jobs N" "-h, --help" "Exit status: 0 no new finding fails the check, 1 new findings fail it, 2 an input was"; do
	grep -qF -- "$opt" check-help.txt || fail "check --help does not mention $opt"
done
assert_exit 0 "$CONFINE" check -h
cmp -s check-help.txt "$TMP/exit.out" || fail "check -h differs from check --help"
assert_exit 0 "$CONFINE" baseline --help
cp "$TMP/exit.out" baseline-help.txt
assert_line baseline-help.txt "usage: confine baseline [options] PATH... -o FILE"
for opt in "-o, --output FILE" "--suppressions FILE" "[accepted]" "[generated]" \
	"Exit status: 0 the baseline was written, 2 an input was unusable (then nothing is written),"; do
	grep -qF -- "$opt" baseline-help.txt || fail "baseline --help does not mention $opt"
done
assert_exit 0 "$CONFINE" --help
for cmd in "baseline PATH... -o FILE" "check --baseline FILE PATH..."; do
	grep -qF -- "$cmd" "$TMP/exit.out" || fail "confine --help does not list $cmd"
done
assert_exit 0 "$CONFINE" scan --help
for opt in "text (default), json, jsonl (JSON Lines" "gcc" "github" "--suppressions FILE" "--source-root DIR"; do
	grep -qF -- "$opt" "$TMP/exit.out" || fail "scan --help does not mention $opt"
done

# --- command-line errors: exit 2, one line ----------------------------------------------------------
usage_error "confine: --severity: 'fatal' is not one of error, warning" check -b b.txt --severity fatal h/v1-O0/liblegacy.so
usage_error "confine: --format: 'xml' is not one of text, json, sarif, gcc, github" check -b b.txt -f xml h/v1-O0/liblegacy.so
usage_error "confine: --format: 'xml' is not one of text, json, jsonl, sarif, gcc, github" scan -f xml h/v1-O0/liblegacy.so
usage_error "confine: check: no PATH given (try 'confine check --help')" check -b b.txt
usage_error "confine: check: unknown option '--nope' (try 'confine check --help')" check --nope -b b.txt h/v1-O0/liblegacy.so
usage_error "confine: check: option '--baseline' needs a value (try 'confine check --help')" check h/v1-O0/liblegacy.so --baseline
usage_error "confine: -j: '0' is not a number of jobs (1-1024)" check -b b.txt -j 0 h/v1-O0/liblegacy.so
usage_error "confine: baseline: no PATH given (try 'confine baseline --help')" baseline -o x.txt
usage_error "confine: baseline: unknown option '--baseline' (try 'confine baseline --help')" baseline --baseline b.txt h/v1-O0/liblegacy.so
usage_error "confine: --libc: 'musl' is not one of glibc, posix, any" baseline --libc musl h/v1-O0/liblegacy.so

# --- -o, --jobs, --libc --------------------------------------------------------------------------------
assert_exit 1 "$CONFINE" check -b b.txt -o report.txt --jobs 1 h/v2-O0/liblegacy.so
[ -s "$TMP/exit.out" ] && fail "check -o: stdout not empty"
"$CONFINE" check -b b.txt h/v2-O0/liblegacy.so | cmp -s - report.txt || fail "check -o: the file is not the report"
# The rule set is part of the check: without the POSIX rules rand is gone (fixed), strtok stays.
assert_exit 0 "$CONFINE" check -b b.txt --libc glibc h/v1-O0/liblegacy.so
assert_line "$TMP/exit.out" "fixed: non-reentrant-call 'rand' in legacy_roll [liblegacy.so]"
# A user rule makes a call of the library's own API a new finding.
printf 'legacy_words words error state legacy_words_r\n' >user.rules
printf '#include "legacy.h"\nint app_words(void) { return legacy_words("a b"); }\n' >app.c
cc -shared -fPIC -g -I"$ROOT/fixtures/history/v1" -o libapp.so app.c 2>/dev/null ||
	fail "cannot build libapp.so"
"$CONFINE" baseline libapp.so -o app-b.txt 2>/dev/null
assert_exit 1 "$CONFINE" check -b app-b.txt --rules user.rules libapp.so
assert_line "$TMP/exit.out" "new error: app.c:2: non-reentrant-call 'legacy_words' in app_words; use legacy_words_r [libapp.so]"

# --- suppressions ---------------------------------------------------------------------------------
cat >sup.txt <<'EOF'
# The tokenizer of legacy_fields runs before any thread starts.
non-reentrant-call:legacy_fields
mutable-static:s_fields   # written by legacy_fields only
EOF
assert_exit 0 "$CONFINE" check -b b.txt --suppressions sup.txt h/v2-O0/liblegacy.so
echo "confine check: 0 new (0 errors, 0 warnings), 0 fixed, 8 unchanged, 2 suppressed: passed" |
	cmp -s - "$TMP/exit.out" || fail "check --suppressions: $(cat "$TMP/exit.out")"
# A suppressed finding that is in the baseline is not reported fixed either.
printf 'non-reentrant-call:strtok\n' >strtok.txt
assert_exit 1 "$CONFINE" check -b b.txt --suppressions strtok.txt h/v2-O0/liblegacy.so
echo "new error: fixtures/history/v2/legacy.c:10: mutable-static 's_fields' (file scope) [h/v2-O0/liblegacy.so]
confine check: 1 new (1 error, 0 warnings), 0 fixed, 7 unchanged, 2 suppressed: failed" |
	cmp -s - "$TMP/exit.out" || fail "check --suppressions strtok: $(cat "$TMP/exit.out")"
# Names matched: source name, symbol, function, module file name; the kind must match; * is any.
for line in 'mutable-static:s_f*' 'mutable-static:s_fields' '*:s_fields' 'mutable-static:liblegacy.so'; do
	printf 'non-reentrant-call:legacy_fields\n%s\n' "$line" >one.txt
	assert_exit 0 "$CONFINE" check -b b.txt --suppressions one.txt h/v2-O0/liblegacy.so
done
printf 'non-reentrant-call:legacy_fields\nmutable-global:s_fields\n' >wrongkind.txt
assert_exit 1 "$CONFINE" check -b b.txt --suppressions wrongkind.txt h/v2-O0/liblegacy.so
# scan: suppressed findings leave the report, with the functions that touched only them.
assert_golden check/scan-v2-suppressed.txt "$CONFINE" scan --no-color --suppressions sup.txt h/v2-O0/liblegacy.so
grep -q 'legacy_fields' "$TMP/check_scan-v2-suppressed.txt.out" && fail "scan --suppressions still shows legacy_fields"
"$CONFINE" scan -f json --suppressions sup.txt h/v2-O0/liblegacy.so >sup.json
grep -q '"s_fields"' sup.json && fail "scan -f json --suppressions still holds s_fields"
"$CONFINE" scan -f json h/v1-O0/liblegacy.so >v1.json
"$CONFINE" scan -f json --suppressions sup.txt h/v1-O0/liblegacy.so | cmp -s - v1.json ||
	fail "suppressions that match nothing change the JSON report"
"$CONFINE" scan -f sarif --suppressions sup.txt h/v2-O0/liblegacy.so >sup.sarif
grep -q 's_fields' sup.sarif && fail "scan -f sarif --suppressions still holds s_fields"
# baseline: suppressed findings are left out.
assert_exit 0 "$CONFINE" baseline --suppressions strtok.txt h/v1-O0/liblegacy.so -o bs.txt
grep -q '	strtok	' bs.txt && fail "baseline --suppressions wrote a strtok entry"
[ "$(grep -c '	existing$' bs.txt)" = 7 ] || fail "baseline --suppressions: not 7 entries"
# Errors in the file: exit 2 with FILE:LINE (the guard's parser, so the same messages).
printf 'mutable-static:s_x\nglobal:g_requests\n' >bad-sup.txt
for cmd in "check -b b.txt" "scan" "baseline"; do
	# shellcheck disable=SC2086
	assert_exit 2 "$CONFINE" $cmd --suppressions bad-sup.txt h/v1-O0/liblegacy.so
	assert_line "$TMP/exit.err" "confine: error: bad-sup.txt:2: unknown kind 'global' (one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call, cross-thread-call, signal-reentry, env-write, or * for all)"
done
assert_exit 2 "$CONFINE" check -b b.txt --suppressions nosuch.txt h/v1-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: error: nosuch.txt: cannot read suppressions: No such file or directory"

# --- documentation ----------------------------------------------------------------------------------
# The workflow in README.md is docs/github-workflow.yml (less its header comment), and it
# runs the check with SARIF output and uploads it even when the check fails.
sed -n '/^```yaml$/,/^```$/p' "$ROOT/README.md" | sed '1d;$d' >inline.yml
sed '/^#/d' "$ROOT/docs/github-workflow.yml" | cmp -s - inline.yml ||
	fail "the workflow in README.md differs from docs/github-workflow.yml"
for want in 'confine check --baseline "$BASELINE" --format sarif -o confine.sarif $BINARIES' \
	'uses: github/codeql-action/upload-sarif@v4' 'actions: read' "if: always() && hashFiles('confine.sarif') != ''" \
	'security-events: write' 'make -C "$RUNNER_TEMP/confine" deps install PREFIX="$HOME/.confine"' \
	'uses: actions/cache@v4' '"$HOME/.confine/share/confine/deps.sh" build' \
	'name: Show new and fixed findings in the log'; do
	grep -qF -- "$want" "$ROOT/docs/github-workflow.yml" || fail "docs/github-workflow.yml lacks: $want"
done
