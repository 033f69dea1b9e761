# Unusable baselines and inputs: confine check and confine baseline stop with exit status 2 and
# one line "confine: error: FILE:LINE: reason" (nothing on stdout); a baseline file that is
# malformed is never overwritten; an unusable input fails the check even when nothing is new.
cd "$TMP" || exit 1
ln -s "$FX/history" h
"$CONFINE" baseline h/v1-O0/liblegacy.so -o good.txt 2>/dev/null || fail "cannot write a baseline"
g=$(grep '	g_requests	' good.txt)

# bad NAME CONTENT ERROR: check with a baseline holding CONTENT stops with ERROR.
bad() {
	printf '%b' "$2" >"$1"
	assert_exit 2 "$CONFINE" check --baseline "$1" h/v1-O0/liblegacy.so
	[ -s "$TMP/exit.out" ] && fail "$1: stdout not empty: $(head -c 200 "$TMP/exit.out")"
	echo "$3" | cmp -s - "$TMP/exit.err" || fail "$1: stderr is '$(cat "$TMP/exit.err")', want '$3'"
}
want1="the first line must be 'confine baseline 1'"
bad empty.txt "" "confine: error: empty.txt:1: not a confine baseline: $want1"
bad comments.txt "# nothing else\n\n" "confine: error: comments.txt:2: not a confine baseline: $want1"
bad other.txt "{\"tool\": \"confine\"}\n" "confine: error: other.txt:1: not a confine baseline: $want1"
bad v2.txt "confine baseline 2\n[generated]\n" \
	"confine: error: v2.txt:1: baseline format 2 is not supported (this confine reads format 1)"
bad nosection.txt "confine baseline 1\n$g\n" \
	"confine: error: nosection.txt:2: an entry before any section ([accepted] or [generated])"
bad section.txt "confine baseline 1\n[generated]\n$g\n[ignore]\n" \
	"confine: error: section.txt:4: unknown section '[ignore]' (expected [accepted] or [generated])"
bad twice.txt "confine baseline 1\n[accepted]\n[generated]\n[accepted]\n" \
	"confine: error: twice.txt:4: section [accepted] appears twice"
bad spaces.txt "confine baseline 1\n[generated]\n$(echo "$g" | tr '\t' ' ')\n" \
	"confine: error: spaces.txt:3: expected 6 tab-separated fields (fingerprint, kind, module, function, name, reason), found 1"
bad fields.txt "confine baseline 1\n[generated]\n$(echo "$g" | cut -f1-5)\n" \
	"confine: error: fields.txt:3: expected 6 tab-separated fields (fingerprint, kind, module, function, name, reason), found 5"
bad fp.txt "confine baseline 1\n[generated]\n$(echo "$g" | sed 's/^[0-9a-f]*/c2f6114b3031/')\n" \
	"confine: error: fp.txt:3: 'c2f6114b3031' is not a fingerprint (16 lowercase hex digits)"
bad kind.txt "confine baseline 1\n[generated]\n$(echo "$g" | sed 's/mutable-global/global/')\n" \
	"confine: error: kind.txt:3: unknown kind 'global' (one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call)"
bad module.txt "confine baseline 1\n[generated]\n$(echo "$g" | sed 's/liblegacy.so//')\n" \
	"confine: error: module.txt:3: the module field is empty ('-' stands for no function)"
bad reason.txt "confine baseline 1\n[accepted]\n# ok\n$(echo "$g" | sed 's/existing$//')\n" \
	"confine: error: reason.txt:4: an accepted entry needs a reason (the sixth field)"
bad nul.txt "confine baseline 1\n[generated]\n$g\0\n" "confine: error: nul.txt:3: a NUL byte: not a text file"
# A good file with a bad line further down: the line number is that line's.
{ cat good.txt; echo "not an entry"; } >late.txt
assert_exit 2 "$CONFINE" check --baseline late.txt h/v1-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: error: late.txt:$(wc -l <late.txt | tr -d ' '): expected 6 tab-separated fields (fingerprint, kind, module, function, name, reason), found 1"

# Missing and unreadable baselines.
assert_exit 2 "$CONFINE" check --baseline missing.txt h/v1-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: error: missing.txt: cannot read baseline: No such file or directory"
mkdir adir
assert_exit 2 "$CONFINE" check --baseline adir h/v1-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: error: adir: cannot read baseline: Is a directory"
assert_exit 2 "$CONFINE" check h/v1-O0/liblegacy.so
assert_line "$TMP/exit.err" "confine: check: --baseline FILE is required (write one with 'confine baseline PATH... -o FILE')"

# confine baseline -o a malformed file: exit 2, the file is left as it was.
cp kind.txt kind.before
assert_exit 2 "$CONFINE" baseline h/v1-O0/liblegacy.so -o kind.txt
assert_line "$TMP/exit.err" "confine: error: kind.txt:3: unknown kind 'global' (one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call)"
cmp -s kind.txt kind.before || fail "baseline -o overwrote a malformed baseline"

# Unusable inputs: check reports what it could scan, exits 2, and --update-baseline does nothing.
echo "not ELF" >notelf.so
assert_exit 2 "$CONFINE" check --baseline good.txt h/v1-O0/liblegacy.so notelf.so
assert_line "$TMP/exit.err" "confine: error: notelf.so: not an ELF file or archive"
assert_line "$TMP/exit.out" "confine check: 0 new (0 errors, 0 warnings), 0 fixed, 8 unchanged: error (1 unusable input)"
cp good.txt upd.txt
assert_exit 2 "$CONFINE" check --baseline upd.txt --update-baseline h/v3-O0/liblegacy.so notelf.so
assert_line "$TMP/exit.err" "confine: error: upd.txt not updated: an input was unusable"
cmp -s good.txt upd.txt || fail "--update-baseline changed the file despite an unusable input"
assert_exit 2 "$CONFINE" check --baseline good.txt missing.so
assert_line "$TMP/exit.err" "confine: error: missing.so: No such file or directory"
assert_line "$TMP/exit.out" "confine check: 0 new (0 errors, 0 warnings), 0 fixed, 0 unchanged, 8 not scanned: error (1 unusable input)"
# New findings and an unusable input: 2 wins over 1.
assert_exit 2 "$CONFINE" check --baseline good.txt h/v2-O0/liblegacy.so notelf.so
# confine baseline with an unusable input writes nothing.
assert_exit 2 "$CONFINE" baseline h/v1-O0/liblegacy.so notelf.so -o fresh.txt
assert_line "$TMP/exit.err" "confine: error: baseline not written: an input was unusable"
[ -e fresh.txt ] && fail "baseline wrote a file despite an unusable input"
# A baseline path in a missing directory: the write error names it.
assert_exit 2 "$CONFINE" baseline h/v1-O0/liblegacy.so -o nodir/b.txt
assert_line "$TMP/exit.err" "confine: error: nodir/b.txt: cannot write baseline: No such file or directory"
