# SARIF output of scan and check, validated against the official SARIF 2.1.0 schema and what
# GitHub code scanning needs (tests/json/validate.py, python3-jsonschema): the whole fixture tree,
# check's new findings (golden), no new findings, no debug info (the binary at line 1),
# --source-root, unusable inputs as notifications, determinism; and deliberately broken logs,
# which the validation must reject.
VALIDATE=$PWD/tests/json/validate.py
PY=$(jsonschema_python) || {
	fail "python3-jsonschema is missing (make test installs it)"
	return 0 2>/dev/null || exit 1
}
cd "$TMP" || exit 1
ln -s "$FX/history" h
"$CONFINE" baseline h/v1-O0/liblegacy.so -o b.txt 2>/dev/null || fail "cannot write a baseline"

# valid FILE: the log passes the schema and the code scanning checks.
valid() {
	"$PY" "$VALIDATE" "$1" >"$TMP/valid.out" 2>&1 || fail "$1 is not a valid SARIF log: $(head -c 600 "$TMP/valid.out")"
}

# --- scan: every fixture -------------------------------------------------------------------------
"$CONFINE" scan -f sarif -j4 "$FX" >tree.sarif || fail "scan -f sarif of the fixture tree failed"
valid tree.sarif
"$CONFINE" scan -f sarif -j1 "$FX" | cmp -s - tree.sarif || fail "scan -f sarif: -j1 and -j4 differ"
n=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' tree.sarif)
want=$("$CONFINE" scan "$FX" | sed -n 's/^summary: [0-9]* modules; \([0-9]*\) findings.*/\1/p')
[ "$n" = "$want" ] && [ "$n" -gt 100 ] || fail "scan -f sarif: $n results, the text report counts $want findings"

# --- check: the new findings of v2 ---------------------------------------------------------------
assert_exit 1 "$CONFINE" check --baseline b.txt --format sarif -o v2.sarif h/v2-O0/liblegacy.so
[ -s "$TMP/exit.out" ] && fail "check -o: stdout not empty"
valid v2.sarif
assert_golden check/v2-O0.sarif cat v2.sarif
assert_exit 1 "$CONFINE" check --baseline b.txt -f sarif h/v2-O2/liblegacy.so
cp "$TMP/exit.out" v2-O2.sarif
valid v2-O2.sarif
cmp -s v2.sarif v2-O2.sarif || fail "check -f sarif: -O0 and -O2 builds of v2 give different logs"
# Nothing new: a valid log without results.
assert_exit 0 "$CONFINE" check --baseline b.txt -f sarif h/v1-clang/liblegacy.so
cp "$TMP/exit.out" none.sarif
valid none.sarif
grep -q '"results": \[\]' none.sarif || fail "check -f sarif with nothing new has results"

# --- locations ------------------------------------------------------------------------------------
# Without debug info: the binary, relative to the current directory, at line 1.
"$CONFINE" check --baseline b.txt -f sarif h/v2-nodebug/liblegacy.so >nodebug.sarif
valid nodebug.sarif
[ "$(grep -c '"uri": "h/v2-nodebug/liblegacy.so"' nodebug.sarif)" = 2 ] || fail "no-debug SARIF: binary URIs"
[ "$(grep -c '"startLine": 1$' nodebug.sarif)" = 2 ] || fail "no-debug SARIF: startLine 1"
# --source-root: from a subdirectory, URIs stay relative to the root given.
mkdir sub
(cd sub && "$CONFINE" check --baseline ../b.txt -f sarif --source-root .. ../h/v2-nodebug/liblegacy.so) |
	cmp -s - nodebug.sarif || fail "--source-root .. from sub/ gives another log"
# A binary outside the source root: a file:// URI.
(cd sub && "$CONFINE" check --baseline ../b.txt -f sarif --source-root . ../h/v2-nodebug/liblegacy.so) >outside.sarif
valid outside.sarif
grep -q "\"uri\": \"file://$(cd "$TMP" && pwd -P)/h/v2-nodebug/liblegacy.so\"" outside.sarif ||
	fail "a binary outside the source root has no file:// URI: $(grep '"uri"' outside.sarif | head -1)"
assert_exit 2 "$CONFINE" check --baseline b.txt -f sarif --source-root "$TMP/nowhere" h/v2-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: error: $TMP/nowhere: cannot use as source root: No such file or directory"
assert_exit 2 "$CONFINE" scan -f sarif --source-root "$TMP/nowhere" h/v2-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: error: $TMP/nowhere: cannot use as source root: No such file or directory"

# --- unusable inputs: notifications, still a valid log ---------------------------------------------
echo "not ELF" >notelf.so
assert_exit 2 "$CONFINE" scan -f sarif h/v1-O0/liblegacy.so notelf.so
cp "$TMP/exit.out" err.sarif
valid err.sarif
grep -q '"executionSuccessful": false' err.sarif || fail "scan -f sarif with a bad input: executionSuccessful is not false"
grep -q '"text": "notelf.so: not an ELF file or archive"' err.sarif || fail "scan -f sarif: no notification for the bad input"

# --- the validation rejects broken logs -----------------------------------------------------------
# broken NAME PYTHON-EXPRESSION MESSAGE: v2.sarif changed by the statement must be rejected with
# a line holding MESSAGE.
cat >break.py <<'EOF'
import json, sys
doc = json.load(sys.stdin)
run = doc["runs"][0]
result = run["results"][0]
exec(sys.argv[1])
json.dump(doc, sys.stdout)
EOF
broken() {
	"$PY" break.py "$2" <v2.sarif >"$1.sarif" || fail "cannot write the broken log $1"
	"$PY" "$VALIDATE" "$1.sarif" >"$1.out" 2>&1
	st=$?
	[ "$st" = 1 ] || fail "broken log $1: validate.py exit $st, want 1"
	grep -qF -- "$3" "$1.out" || fail "broken log $1: no '$3' in: $(head -c 400 "$1.out")"
}
broken level 'result["level"] = "fatal"' "runs/0/results/0/level: 'fatal' is not one of ['none', 'note', 'warning', 'error']"
broken version 'doc["version"] = "2.0.0"' "version: '2.0.0' is not one of ['2.1.0']"
broken message 'del result["message"]' "runs/0/results/0: 'message' is a required property"
broken line 'result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0' "startLine: 0 is less than the minimum of 1"
broken extra 'result["confidence"] = "high"' "Additional properties are not allowed ('confidence' was unexpected)"
broken driver 'del run["tool"]["driver"]["name"]' "'name' is a required property"
broken severity 'run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = 7.0' \
	"runs/0/tool/driver/rules/0: security-severity is not a string"
broken help 'del run["tool"]["driver"]["rules"][2]["help"]' "runs/0/tool/driver/rules/2: a code scanning rule needs help"
broken uri 'result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "/abs/legacy.c"' \
	"is not a relative URI or a file:// URI"
broken rule 'result["ruleId"] = "no-such-rule"' "ruleId 'no-such-rule' names no rule of the driver"
broken prints 'del result["partialFingerprints"]' "runs/0/results/0: no partialFingerprints"
echo '{"version": "2.1.0", "runs": [' >notjson.sarif
"$PY" "$VALIDATE" notjson.sarif >/dev/null 2>&1
[ $? = 2 ] || fail "validate.py: a file that is not JSON does not give exit status 2"
