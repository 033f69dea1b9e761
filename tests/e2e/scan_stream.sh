# JSON is written while the scan goes on, module by module: the document is still laid out as a
# whole-document dump (indent 2, keys in order), here checked against python's own dump of it;
# --format jsonl gives one line per module (and {"error": ...} per unusable input) in input
# order, holding the same modules as the document.
cd "$TMP" || exit 1
"$CONFINE" scan --format json --show-ignored "$FX/O0" "$FX/O2/liblegacy.a" missing.so >doc.json 2>doc.err
st=$?
[ "$st" = 2 ] || fail "json scan with a missing input: exit $st, want 2"
assert_line doc.err "confine: error: missing.so: No such file or directory"
python3 - doc.json <<'PY' || fail "the JSON document is not laid out as a whole dump: $(cat layout.err)"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
doc = json.loads(text)
assert len(doc["modules"]) > 10 and doc["errors"] == ["missing.so: No such file or directory"], "content"
want = json.dumps(doc, indent=2, ensure_ascii=False)
if text != want:
    i = next(k for k in range(min(len(text), len(want))) if text[k] != want[k])
    open("layout.err", "w").write("first difference at byte %d: %r vs %r" % (i, text[i-40:i+40], want[i-40:i+40]))
    sys.exit(1)
PY
"$CONFINE" scan --format jsonl --show-ignored "$FX/O0" "$FX/O2/liblegacy.a" missing.so >doc.jsonl 2>lines.err
st=$?
[ "$st" = 2 ] || fail "jsonl scan with a missing input: exit $st, want 2"
assert_line lines.err "confine: error: missing.so: No such file or directory"
assert_line doc.jsonl '{"error": "missing.so: No such file or directory"}'
python3 - doc.json doc.jsonl <<'PY' || fail "the JSON Lines do not hold the document's modules in order"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
lines = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert [l for l in lines if "error" not in l] == doc["modules"]
assert [l["error"] for l in lines if "error" in l] == doc["errors"]
PY
# -o: the whole report or nothing; a write error is an error.
"$CONFINE" scan --format jsonl -o out.jsonl "$FX/O0" || fail "scan -o out.jsonl: exit $?"
"$CONFINE" scan --format jsonl "$FX/O0" | cmp -s - out.jsonl || fail "-o out.jsonl differs from standard output"
ls out.jsonl.tmp.* >/dev/null 2>&1 && fail "a temporary file was left beside out.jsonl"
if [ -w /dev/full ]; then
	assert_exit 2 "$CONFINE" scan --format json -o /dev/full "$FX/O0/legacy.o"
	assert_line "$TMP/exit.err" "confine: /dev/full: cannot write: No space left on device"
fi
# With --suppressions and -v, the count of suppressed findings stops where writing stopped: the
# first module's text passes stdio's buffer, so /dev/full fails there and the second module,
# filtered on a worker, is not counted.
if [ -w /dev/full ]; then
	echo 'mutable-global:*' >sup.txt
	"$CONFINE" scan -v --format jsonl --suppressions sup.txt "$FX/O2/app" >/dev/null 2>first.err
	grep 'findings\? suppressed$' first.err >first.count
	[ -s first.count ] && ! grep -qx 'confine: 0 findings suppressed' first.count ||
		fail "no finding of $FX/O2/app suppressed: $(cat first.err)"
	assert_exit 2 "$CONFINE" scan -v --format jsonl --suppressions sup.txt -o /dev/full \
		"$FX/O2/app" "$FX/O0/app"
	grep 'findings\? suppressed$' "$TMP/exit.err" | cmp -s - first.count ||
		fail "suppressed after a write error: '$(grep suppressed "$TMP/exit.err")', want '$(cat first.count)'"
fi
