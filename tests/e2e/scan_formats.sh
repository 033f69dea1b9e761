# Editor and CI formats (--format gcc, --format github) of scan and check, pinned by golden files;
# the JSON reports of scan and check validated against their published schemas in docs/ (which
# "$schema" names), on every fixture, and deliberately broken documents that must be rejected.
cd "$TMP" || exit 1
ln -s "$FX" fx
ln -s "$FX/history" h

# --- gcc and github lines --------------------------------------------------------------------------
for fmt in gcc github; do
	assert_golden "scan/formats/legacy.o.$fmt" "$CONFINE" scan -f "$fmt" fx/O0/legacy.o
	assert_golden "scan/formats/legacy_cxx.o.$fmt" "$CONFINE" scan -f "$fmt" fx/O2/legacy_cxx.o
	# Columns from DWARF: gcc's at -O0 and -O2 (declarations and calls); clang's at -O2 (calls
	# only: clang records no declaration columns, so state lines have file:line: alone).
	assert_golden "scan/formats/legacy-O2.o.$fmt" "$CONFINE" scan -f "$fmt" fx/O2/legacy.o
	assert_golden "scan/formats/liblegacy-clang.so.$fmt" "$CONFINE" scan -f "$fmt" fx/history/v1-clang/liblegacy.so
	# Without debug info: the binary's path, no line.
	assert_golden "scan/formats/app-stripped.$fmt" "$CONFINE" scan -f "$fmt" fx/O2/app-stripped
done
# Every finding is one line: as many lines as the text report counts findings.
n=$("$CONFINE" scan -f gcc fx | wc -l)
want=$("$CONFINE" scan fx | sed -n 's/^summary: [0-9]* modules; \([0-9]*\) findings.*/\1/p')
[ "$n" = "$want" ] && [ "$n" -gt 100 ] || fail "scan -f gcc: $n lines, the text report counts $want findings"
"$CONFINE" scan -f gcc fx | grep -vqE '^[^ :]+(:[0-9]+(:[0-9]+)?)?: (error|warning): .* \[confine-(mutable-global|mutable-static|mutable-local-static|non-reentrant-call)\]$' &&
	fail "scan -f gcc: a line not in the form file[:line[:col]]: level: text [confine-KIND]"
"$CONFINE" scan -f github fx | grep -vqE '^::(error|warning) file=[^,]+(,line=[0-9]+(,col=[0-9]+)?)?,title=confine [a-z-]+::' &&
	fail "scan -f github: a line that is not a workflow command"
# github paths are relative to --source-root, like SARIF URIs; property values are escaped.
mkdir sub
(cd sub && "$CONFINE" scan -f github --source-root .. ../fx/O2/app-stripped) >sub.out
cmp -s sub.out "$GOLDEN/scan/formats/app-stripped.github" || fail "scan -f github --source-root .. from sub/ differs"
mkdir "a,b:c" && cp "$FX/O2/app-stripped" "a,b:c/app"
"$CONFINE" scan -f github "a,b:c/app" | head -1 | grep -q '^::error file=a%2Cb%3Ac/app,title=' ||
	fail "scan -f github: ',' and ':' in a path are not escaped"

# check: the new findings only, in the same forms; the exit status is the verdict.
"$CONFINE" baseline h/v1-O0/liblegacy.so -o b.txt 2>/dev/null || fail "cannot write a baseline"
for fmt in gcc github; do
	assert_exit 1 "$CONFINE" check --baseline b.txt -f "$fmt" h/v2-O0/liblegacy.so
	cp "$TMP/exit.out" "v2.$fmt"
	assert_golden "check/v2-O0.$fmt" cat "v2.$fmt"
	assert_exit 0 "$CONFINE" check --baseline b.txt -f "$fmt" h/v1-O2/liblegacy.so
	[ -s "$TMP/exit.out" ] && fail "check -f $fmt with nothing new prints: $(head -c 200 "$TMP/exit.out")"
done
assert_exit 2 "$CONFINE" scan -f vim fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --format: 'vim' is not one of text, json, jsonl, sarif, gcc, github"
assert_exit 2 "$CONFINE" check --baseline b.txt -f vim fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --format: 'vim' is not one of text, json, sarif, gcc, github"

# --- JSON schemas ----------------------------------------------------------------------------------
PY=$(jsonschema_python) || {
	fail "python3-jsonschema is missing (make test installs it)"
	return 0 2>/dev/null || exit 1
}
VALIDATE=$OLDPWD/tests/json/validate.py
valid() {
	"$PY" "$VALIDATE" "$@" >valid.out 2>&1 || fail "not valid against its schema: $(head -c 600 valid.out)"
}
"$CONFINE" scan -f json -j2 fx >tree.json
"$CONFINE" scan -f json --show-ignored fx/O0 fx/O2/app_cxx-stripped >ignored.json
echo "not ELF" >notelf.so
"$CONFINE" scan -f json fx/O0/legacy.o notelf.so >errors.json 2>/dev/null
"$CONFINE" check --baseline b.txt -f json h/v2-O0/liblegacy.so h/v3-O0/liblegacy.so >check.json
"$CONFINE" check --baseline b.txt -f json h/v1-clang/liblegacy.so notelf.so >check-err.json 2>/dev/null
# The protection fixture in C, C++ and Rust, every build: protections, locks, accesses, address
# takers, awareness reasons; each alone too, so that a problem names its fixture.
for p in gcc-O0 gcc-O2 clang-O0 clang-O2 rust; do
	"$CONFINE" scan -f json --show-ignored "fx/protect/$p" >"protect-$p.json" || fail "scan -f json fx/protect/$p"
done
# JSON Lines: each line a module of the scan schema, or an unusable input.
"$CONFINE" scan -f jsonl -j2 fx/O0 fx/O2 fx/protect >tree.jsonl
"$CONFINE" scan -f jsonl fx/O0/legacy.o notelf.so >errors.jsonl 2>/dev/null
[ "$(wc -l <errors.jsonl)" = 2 ] && grep -q '^{"error": "notelf.so: ' errors.jsonl || fail "scan -f jsonl with an unusable input: $(head -c 300 errors.jsonl)"
valid tree.json ignored.json errors.json check.json check-err.json protect-*.json tree.jsonl errors.jsonl
sed '2s/"stripped": false/"stripped": 0/' tree.jsonl >broken-line.jsonl
"$PY" "$VALIDATE" broken-line.jsonl >broken-line.out 2>&1
[ $? = 1 ] && grep -qxF "broken-line.jsonl:2: stripped: 0 is not of type 'boolean'" broken-line.out ||
	fail "a broken JSON Lines line is not named: $(head -c 300 broken-line.out)"
# What the schema requires is there: every state protection and every awareness reason.
"$PY" - tree.json <<'PYEOF' || fail "scan -f json fx: a protection or an awareness reason never written"
import json, sys
doc = json.load(open(sys.argv[1]))
ms = doc["modules"]
prot = {f["protection"] for m in ms for f in m["findings"] if f["kind"] != "non-reentrant-call"}
assert prot == {"none", "lock", "atomic", "once", "signal-flag"}, prot
assert {m["aware_reason"] for m in ms} == {None, "sync", "threads", "tls", "rust", "interpreter"}
# Columns: gcc records them for declarations and code, clang for code only; a column goes with
# a line.
fs = [f for m in ms for f in m["findings"]]
sites = [s for f in fs for s in f.get("sites", [])]
assert all(x["column"] is None or x["line"] for x in fs + sites)
assert any(f["column"] for f in fs if f["kind"] != "non-reentrant-call")
assert any(f["column"] is None and f["line"] for f in fs if f["kind"] != "non-reentrant-call")
assert sum(1 for s in sites if s["column"]) > len(sites) // 2
PYEOF
# Saved results read back keep the awareness reason: a program that only creates threads.
"$CONFINE" scan -f json fx/hosts/O0/exit >threads.json
"$CONFINE" scan -f json threads.json >threads-again.json
grep -q '"aware_reason": "threads"' threads.json || fail "fx/hosts/O0/exit: not aware by its threads"
# The text does not call it thread-aware: creating threads alone is no evidence for the guard.
"$CONFINE" scan fx/hosts/O0/exit >threads.txt
assert_line threads.txt "fx/hosts/O0/exit  (executable, debug info, starts threads: uses pthread_create)"
cmp -s threads.json threads-again.json || fail "scan of a saved result differs: $(diff threads.json threads-again.json | head -5)"
grep -q '"\$schema": "urn:confine:schema:scan:1"' tree.json || fail "scan -f json: no \$schema"
grep -q '"\$schema": "urn:confine:schema:check:1"' check.json || fail "check -f json: no \$schema"
# Every finding has a severity: state findings are errors.
"$PY" - tree.json <<'PYEOF' || fail "scan -f json: a finding without severity, or a state finding that is not an error"
import json, sys
doc = json.load(open(sys.argv[1]))
fs = [f for m in doc["modules"] for f in m["findings"]]
assert len(fs) > 100
assert all(f["severity"] in ("error", "warning") for f in fs)
assert all(f["severity"] == "error" for f in fs if f["kind"] != "non-reentrant-call")
PYEOF
# The validation rejects broken documents: broken NAME FILE PYTHON MESSAGE.
cat >break.py <<'PYEOF'
import json, sys
doc = json.load(sys.stdin)
exec(sys.argv[1])
json.dump(doc, sys.stdout)
PYEOF
broken() {
	"$PY" break.py "$3" <"$2" >"$1.json" || fail "cannot write the broken document $1"
	"$PY" "$VALIDATE" "$1.json" >"$1.out" 2>&1
	st=$?
	[ "$st" = 1 ] || fail "broken document $1: validate.py exit $st, want 1"
	grep -qF -- "$4" "$1.out" || fail "broken document $1: no '$4' in: $(head -c 400 "$1.out")"
}
broken kind tree.json 'doc["modules"][0]["findings"][0]["kind"] = "global"' \
	"modules/0/findings/0/kind: 'global' is not one of"
broken severity tree.json 'del doc["modules"][0]["findings"][0]["severity"]' \
	"modules/0/findings/0: 'severity' is a required property"
broken sites tree.json 'next(f for f in doc["modules"][0]["findings"] if f["kind"] == "non-reentrant-call")["sites"] = []' \
	"sites: [] is too short"
broken extra tree.json 'doc["modules"][0]["findings"][0]["col"] = 3' \
	"modules/0/findings/0: Unevaluated properties are not allowed ('col' was unexpected)"
broken column tree.json 'doc["modules"][0]["findings"][0]["column"] = 0' \
	"modules/0/findings/0/column: 0 is less than the minimum of 1"
broken reason tree.json 'doc["modules"][0]["aware_reason"] = "locks"' \
	"modules/0/aware_reason: 'locks' is not one of ['sync', 'threads', 'tls', 'rust', 'interpreter', None]"
broken aware tree.json 'm = next(m for m in doc["modules"] if m["thread_aware"]); m["evidence"] = None' \
	"/evidence: None is not of type 'string'"
broken access tree.json 'next(f for m in doc["modules"] for f in m["findings"] if f.get("accesses"))["accesses"][0]["protection"] = "mutex"' \
	"/accesses/0/protection: 'mutex' is not one of ['none', 'lock', 'atomic', 'once', 'signal-flag']"
broken function tree.json 'next(m for m in doc["modules"] if m["functions"])["functions"][0]["thread_aware"] = True' \
	"Additional properties are not allowed ('thread_aware' was unexpected)"
broken new check.json 'doc["new"][0]["protection"] = "none"' \
	"new/0: Additional properties are not allowed ('protection' was unexpected)"
broken schema tree.json 'doc["$schema"] = "urn:confine:schema:scan:0"' "names no published schema"
broken result check.json 'doc["result"] = "ok"' "result: 'ok' is not one of ['passed', 'failed', 'error']"
broken counts check.json 'del doc["counts"]["fixed"]' "counts: 'fixed' is a required property"
