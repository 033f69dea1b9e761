# confine scan options and report formats: determinism (-j1 = -j4 over the whole fixture tree,
# a directory scanned recursively in a fixed order), the JSON report's shape and exact values
# for O0/legacy.o, --libc, --rules, colour (terminal, NO_COLOR, --no-color, pipes, -o), -o,
# --show-ignored, the help texts, --version and 'confine rules'.
. tests/e2e/json.inc
cd "$FX" || exit 1
json_setup
ESC=$(printf '\033')

# --- determinism: -j1 and -j4, text and JSON, over the whole fixture tree ----------------------
for fmt in text json; do
	timeout 120 "$CONFINE" scan --no-color -f $fmt -j1 . >"$TMP/j1.$fmt" 2>"$TMP/j1.$fmt.err"
	st1=$?
	timeout 120 "$CONFINE" scan --no-color -f $fmt -j4 . >"$TMP/j4.$fmt" 2>"$TMP/j4.$fmt.err"
	st4=$?
	timeout 120 "$CONFINE" scan --no-color -f $fmt --jobs 3 . >"$TMP/j3.$fmt" 2>"$TMP/j3.$fmt.err"
	st3=$?
	[ "$st1" = 0 ] && [ "$st4" = 0 ] && [ "$st3" = 0 ] ||
		fail "fixture tree ($fmt): exit $st1 (-j1), $st4 (-j4), $st3 (-j3), want 0"
	cmp -s "$TMP/j1.$fmt" "$TMP/j4.$fmt" || fail "fixture tree ($fmt): -j1 and -j4 differ"
	cmp -s "$TMP/j1.$fmt" "$TMP/j3.$fmt" || fail "fixture tree ($fmt): -j1 and --jobs 3 differ"
	[ -s "$TMP/j1.$fmt.err" ] || [ -s "$TMP/j4.$fmt.err" ] && fail "fixture tree ($fmt): stderr not empty"
done
# The tree is scanned recursively, modules in path order, archive members in archive order:
# the module headers are the sorted list of the tree's ELF files (archives expanded).
grep -E '^[^ ].*  \((relocatable|shared|executable)' "$TMP/j1.text" | sed 's/  (.*//' >"$TMP/mods"
# (sorted per path component, as a recursive walk in byte order lists them)
find . -type f | tr / '\001' | LC_ALL=C sort | tr '\001' / | while read -r p; do
	case $(head -c 4 "$p" | od -An -c | tr -d ' ') in
	177ELF) echo "$p" ;;
	'!<ar') ar t "$p" | sed "s|^|$p(|; s|\$|)|" ;;
	esac
done >"$TMP/mods.want"
diff -u "$TMP/mods.want" "$TMP/mods" >&2 || fail "fixture tree: the modules are not the tree's ELF files in path order"
[ "$(wc -l <"$TMP/mods")" -ge 30 ] || fail "fixture tree: only $(wc -l <"$TMP/mods") modules"
assert_line "$TMP/j1.text" "summary: $(wc -l <"$TMP/mods" | tr -d ' ') modules; $(sed -n 's/^summary: [0-9]* modules; //p' "$TMP/j1.text")"
# The same directory named with a trailing slash or through a relative path: same report.
cd O0 || exit 1
"$CONFINE" scan --no-color ../ >"$TMP/rel.text" 2>/dev/null
cd .. || exit 1
sed 's|^\.\./|./|' "$TMP/rel.text" | cmp -s "$TMP/j1.text" - || fail "fixture tree: '../' from O0 differs"

# --- JSON shape ---------------------------------------------------------------------------------
flatten "$TMP/j1.json" "$TMP/all.flat"
[ "$(keys_of "$TMP/all.flat" .)" = "tool version modules errors" ] ||
	fail "json: top-level keys are: $(keys_of "$TMP/all.flat" .)"
assert_line "$TMP/all.flat" '.tool="confine"'
assert_line "$TMP/all.flat" '.version="0.1.0"'
assert_line "$TMP/all.flat" '.errors=[]'
assert_line "$TMP/all.flat" ".modules#=$(wc -l <"$TMP/mods" | tr -d ' ')"
# Key lists, in order, of every module, finding, call site and function of the tree.
awk '
function note(id, rest, what,   k) {
	match(rest, /^[a-z_]+/)
	k = substr(rest, 1, RLENGTH)
	if (!((id, k) in seen)) {
		seen[id, k] = 1
		keys[id] = keys[id] " " k
		type[id] = what
	}
	if (k == "kind")
		kind[id] = rest
}
match($0, /^\.modules\[[0-9]+\]\.findings\[[0-9]+\]\.sites\[[0-9]+\]\./) {
	note(substr($0, 1, RLENGTH), substr($0, RLENGTH + 1), "site")
}
match($0, /^\.modules\[[0-9]+\]\.findings\[[0-9]+\]\./) {
	note(substr($0, 1, RLENGTH), substr($0, RLENGTH + 1), "finding")
}
match($0, /^\.modules\[[0-9]+\]\.functions\[[0-9]+\]\./) {
	note(substr($0, 1, RLENGTH), substr($0, RLENGTH + 1), "function")
}
match($0, /^\.modules\[[0-9]+\]\./) { note(substr($0, 1, RLENGTH), substr($0, RLENGTH + 1), "module") }
END { for (id in keys) print type[id] " " kind[id] keys[id] }' "$TMP/all.flat" | sort -u >"$TMP/shapes"
cat >"$TMP/shapes.want" <<'EOF'
finding kind="mutable-global" kind symbol demangled name function section size address file line column readers writers address_takers guarded_init severity protection lock accesses fingerprint
finding kind="mutable-local-static" kind symbol demangled name function section size address file line column readers writers address_takers guarded_init severity protection lock accesses fingerprint
finding kind="mutable-static" kind symbol demangled name function section size address file line column readers writers address_takers guarded_init severity protection lock accesses fingerprint
finding kind="non-reentrant-call" kind symbol demangled name function file line column group alternative severity category sites fingerprint
function  name demangled address size guard unprotected direct via init_only exported entry_branches unit
module  path type member build_id stripped debug_info thread_aware evidence aware_reason units findings functions
site  address function file line column how
EOF
diff -u "$TMP/shapes.want" "$TMP/shapes" >&2 || fail "json: the keys of modules, findings, sites or functions differ"
# Value types: every kind is one of the four, every severity error or warning, every
# fingerprint 16 hex digits, addresses hex strings, booleans booleans.
grep -E '^\.modules\[[0-9]+\]\.findings\[[0-9]+\]\.kind=' "$TMP/all.flat" | cut -d= -f2 | sort -u >"$TMP/kinds"
printf '"%s"\n' mutable-global mutable-local-static mutable-static non-reentrant-call >"$TMP/kinds.want"
diff -u "$TMP/kinds.want" "$TMP/kinds" >&2 || fail "json: the kinds differ"
grep -E '^\.modules\[[0-9]+\]\.findings\[[0-9]+\]\.severity=' "$TMP/all.flat" | grep -vE '="(error|warning)"$' &&
	fail "json: a severity is neither error nor warning"
grep -E '^\.modules\[[0-9]+\]\.findings\[[0-9]+\]\.fingerprint=' "$TMP/all.flat" | grep -vE '="[0-9a-f]{16}"$' &&
	fail "json: a fingerprint is not 16 hex digits"
grep -E '\.address=' "$TMP/all.flat" | grep -vE '="0x[0-9a-f]+"$' && fail "json: an address is not a hex string"
grep -E '\.(guard|init_only|exported|stripped|debug_info|guarded_init)=' "$TMP/all.flat" | grep -vE '=(true|false)$' &&
	fail "json: a flag is not a boolean"
grep -E '^\.modules\[[0-9]+\]\.type=' "$TMP/all.flat" | grep -vE '="(relocatable|shared|executable)"$' &&
	fail "json: a module type is unknown"
# Text and JSON agree on the number of unprotected findings (the text's default).
[ "$(grep -cE '^\.modules\[[0-9]+\]\.findings\[[0-9]+\]\.(kind="non-reentrant-call"|protection="none")$' "$TMP/all.flat")" = \
	"$(sed -n 's/^summary: [0-9]* modules; \([0-9]*\) findings.*/\1/p' "$TMP/j1.text")" ] ||
	fail "json and text disagree on the number of findings"

# --- exact values for O0/legacy.o ----------------------------------------------------------------
"$CONFINE" scan -f json O0/legacy.o >"$TMP/legacy.json" 2>"$TMP/legacy.err" || fail "json scan of O0/legacy.o failed"
flatten "$TMP/legacy.json" "$TMP/legacy.flat"
L=$TMP/legacy.flat
assert_line "$L" '.modules#=1'
assert_line "$L" '.modules[0].path="O0/legacy.o"'
assert_line "$L" '.modules[0].type="relocatable"'
assert_line "$L" '.modules[0].member=null'
assert_line "$L" '.modules[0].build_id=null'
assert_line "$L" '.modules[0].stripped=false'
assert_line "$L" '.modules[0].debug_info=true'
assert_line "$L" '.modules[0].findings#=14'
assert_line "$L" '.errors=[]'
rows "$L" .modules[0].findings kind symbol name function file line column group alternative severity category \
	"sites#" "sites[0].function" "sites[0].file" "sites[0].line" "sites[0].how" >"$TMP/calls"
C='file="fixtures/c/legacy.c"'
while IFS= read -r row; do
	grep -qxF -- "$row" "$TMP/calls" || fail "O0/legacy.o json lacks the finding: $row"
done <<EOF
kind="non-reentrant-call" symbol="strtok" name="strtok" function="legacy_tokenize" $C line=30 column=9 group="strtok" alternative="strtok_r" severity="error" category="state" sites#=1 sites[0].function="legacy_tokenize" sites[0].$C sites[0].line=30 sites[0].how="call"
kind="non-reentrant-call" symbol="strtok" name="strtok" function="legacy_next" $C line=35 column=9 group="strtok" alternative="strtok_r" severity="error" category="state" sites#=1 sites[0].function="legacy_next" sites[0].$C sites[0].line=35 sites[0].how="call"
kind="non-reentrant-call" symbol="strtok" name="strtok" function="legacy_tokenizer" $C line=73 column=9 group="strtok" alternative="strtok_r" severity="error" category="state" sites#=1 sites[0].function="legacy_tokenizer" sites[0].$C sites[0].line=73 sites[0].how="address-taken"
kind="non-reentrant-call" symbol="localtime" name="localtime" function="legacy_year" $C line=45 column=9 group="tmbuf" alternative="localtime_r" severity="error" category="state" sites#=1 sites[0].function="legacy_year" sites[0].$C sites[0].line=45 sites[0].how="call"
kind="non-reentrant-call" symbol="gmtime" name="gmtime" function="legacy_utc_hour" $C line=50 column=9 group="tmbuf" alternative="gmtime_r" severity="error" category="state" sites#=1 sites[0].function="legacy_utc_hour" sites[0].$C sites[0].line=50 sites[0].how="call"
kind="non-reentrant-call" symbol="rand" name="rand" function="legacy_roll" $C line=63 column=9 group="rand" alternative="rand_r" severity="warning" category="posix" sites#=1 sites[0].function="legacy_roll" sites[0].$C sites[0].line=63 sites[0].how="call"
kind="non-reentrant-call" symbol="setenv" name="setenv" function="legacy_set_tz" $C line=68 column=2 group="env" alternative=null severity="error" category="env" sites#=1 sites[0].function="legacy_set_tz" sites[0].$C sites[0].line=68 sites[0].how="call"
EOF
rows "$L" .modules[0].findings kind symbol demangled name function section size file line \
	"readers#" "readers[0]" "readers[1]" "writers#" "writers[0]" guarded_init >"$TMP/state"
while IFS= read -r row; do
	grep -qxF -- "$row" "$TMP/state" || fail "O0/legacy.o json lacks the finding: $row"
done <<EOF
kind="mutable-global" symbol="g_counter" demangled="g_counter" name="g_counter" function=null section=".bss" size=4 $C line=8 readers#=2 readers[0]="legacy_report" readers[1]="legacy_tokenize" writers#=1 writers[0]="legacy_tokenize" guarded_init=false
kind="mutable-global" symbol="g_limit" demangled="g_limit" name="g_limit" function=null section=".data" size=4 $C line=9 readers#=1 readers[0]="legacy_report" readers[1]=- writers#=0 writers[0]=- guarded_init=false
kind="mutable-static" symbol="s_buffer" demangled="s_buffer" name="s_buffer" function=null section=".bss" size=64 $C line=12 readers#=0 readers[0]=- readers[1]=- writers#=0 writers[0]=- guarded_init=false
kind="mutable-static" symbol="s_ready" demangled="s_ready" name="s_ready" function=null section=".bss" size=4 $C line=13 readers#=1 readers[0]="legacy_is_ready" readers[1]=- writers#=1 writers[0]="setup_helper" guarded_init=false
EOF
# The function-local static: named after the variable, its symbol is the compiler's (tokens.N).
rows "$L" .modules[0].findings kind symbol name function section size line >"$TMP/locals"
grep -qE '^kind="mutable-local-static" symbol="tokens\.[0-9]+" name="tokens" function="legacy_tokenize" section="\.bss" size=4 line=25$' "$TMP/locals" ||
	fail "O0/legacy.o json: the local static tokens is not as expected: $(grep local "$TMP/locals")"
rows "$L" .modules[0].functions name guard "direct#" "direct[0]" "via#" "via[0]" init_only exported >"$TMP/fns"
while IFS= read -r row; do
	grep -qxF -- "$row" "$TMP/fns" || fail "O0/legacy.o json lacks the function: $row"
done <<'EOF'
name="legacy_tokenize" guard=true direct#=3 direct[0]="g_counter" via#=0 via[0]=- init_only=false exported=true
name="legacy_process" guard=false direct#=0 direct[0]=- via#=1 via[0]="legacy_tokenize" init_only=false exported=true
name="setup_helper" guard=false direct#=1 direct[0]="s_ready" via#=0 via[0]=- init_only=true exported=false
name="legacy_is_ready" guard=false direct#=1 direct[0]="s_ready" via#=0 via[0]=- init_only=false exported=true
EOF
[ "$(wc -l <"$TMP/fns")" = 13 ] || fail "O0/legacy.o json: $(wc -l <"$TMP/fns") functions, want 13"
# s_buffer is only passed to strncpy: its address taken, not a write; s_ready is written while
# the module loads and only read after: protected (once).
rows "$L" .modules[0].findings name "address_takers#" "address_takers[0]" protection lock >"$TMP/prot"
assert_line "$TMP/prot" 'name="s_buffer" address_takers#=1 address_takers[0]="legacy_copy" protection="none" lock=null'
assert_line "$TMP/prot" 'name="s_ready" address_takers#=0 address_takers[0]=- protection="once" lock=null'
assert_line "$L" '.modules[0].thread_aware=true'
assert_line "$L" '.modules[0].evidence="defines thread-local t_depth"'
# The JSON report of a directory scan holds the same module (the fingerprints are stable).
grep -F '.fingerprint=' "$L" | sed 's/^\.modules\[0\]//' >"$TMP/fp1"
n=$(sed -n 's/^\.modules\[\([0-9]*\)\]\.path="\.\/O0\/legacy\.o"$/\1/p' "$TMP/all.flat")
grep -F ".modules[$n].findings[" "$TMP/all.flat" | grep -F '.fingerprint=' | sed "s/^\\.modules\\[$n\\]//" >"$TMP/fp2"
[ -s "$TMP/fp1" ] && cmp -s "$TMP/fp1" "$TMP/fp2" || fail "O0/legacy.o: fingerprints differ between a file and a tree scan"

# Fingerprints identify a finding across rebuilds and directories, never by address or line:
# the findings that O0/legacy.o and O2/legacy.o share (same kind, name and function) have the
# same fingerprints; a copy elsewhere under the same file name keeps them all; a copy under
# another file name changes them all.
"$CONFINE" scan -f json O2/legacy.o >"$TMP/legacy2.json" || fail "json scan of O2/legacy.o failed"
flatten "$TMP/legacy2.json" "$TMP/legacy2.flat"
rows "$L" .modules[0].findings kind name function fingerprint >"$TMP/fp.O0"
rows "$TMP/legacy2.flat" .modules[0].findings kind name function fingerprint >"$TMP/fp.O2"
common=$(awk '{ fp = $NF; $NF = ""; if (FILENAME == ARGV[1]) a[$0] = fp; else if ($0 in a) { n++; if (a[$0] != fp) bad++ } }
	END { print (bad ? "mismatch" : n + 0) }' "$TMP/fp.O0" "$TMP/fp.O2")
case $common in
mismatch) fail "fingerprints: a finding of O0/legacy.o and O2/legacy.o has two fingerprints" ;;
*) [ "$common" -ge 10 ] || fail "fingerprints: only $common findings in common between O0 and O2" ;;
esac
mkdir -p "$TMP/elsewhere"
cp O0/legacy.o "$TMP/elsewhere/legacy.o"
cp O0/legacy.o "$TMP/elsewhere/renamed.o"
"$CONFINE" scan -f json "$TMP/elsewhere/legacy.o" >"$TMP/moved.json"
flatten "$TMP/moved.json" "$TMP/moved.flat"
rows "$TMP/moved.flat" .modules[0].findings kind name function fingerprint | cmp -s "$TMP/fp.O0" - ||
	fail "fingerprints: a copy of O0/legacy.o in another directory has other fingerprints"
"$CONFINE" scan -f json "$TMP/elsewhere/renamed.o" >"$TMP/renamed.json"
flatten "$TMP/renamed.json" "$TMP/renamed.flat"
rows "$TMP/renamed.flat" .modules[0].findings fingerprint >"$TMP/fp.renamed"
rows "$L" .modules[0].findings fingerprint | grep -xFf "$TMP/fp.renamed" &&
	fail "fingerprints: a copy of O0/legacy.o under another name keeps some"

# --show-ignored adds the ignored list with a reason for each symbol.
"$CONFINE" scan -f json --show-ignored O0/legacy.o >"$TMP/ign.json" || fail "json --show-ignored failed"
flatten "$TMP/ign.json" "$TMP/ign.flat"
[ "$(keys_of "$TMP/ign.flat" ".modules[0].")" = "path type member build_id stripped debug_info thread_aware evidence aware_reason units findings functions ignored" ] ||
	fail "json --show-ignored: module keys are $(keys_of "$TMP/ign.flat" ".modules[0].")"
rows "$TMP/ign.flat" .modules[0].ignored symbol reason >"$TMP/ign.rows"
assert_line "$TMP/ign.rows" 'symbol="k_sizes" reason="read-only"'
grep -v '^\.modules\[0\]\.ignored' "$TMP/ign.flat" | cmp -s "$L" - || fail "json --show-ignored changes more than the ignored list"

# --- --libc -----------------------------------------------------------------------------------
"$CONFINE" scan --no-color O0/legacy.o >"$TMP/any.txt"
"$CONFINE" scan --no-color --libc any O0/legacy.o | cmp -s "$TMP/any.txt" - || fail "--libc any differs from the default"
"$CONFINE" scan --no-color --libc posix O0/legacy.o >"$TMP/posix.txt"
cmp -s "$TMP/any.txt" "$TMP/posix.txt" || fail "--libc posix differs from the default on O0/legacy.o"
assert_line "$TMP/posix.txt" "    fixtures/c/legacy.c:63   non-reentrant-call   rand  warning; posix: not required to be thread-safe; use rand_r"
"$CONFINE" scan --no-color --libc glibc O0/legacy.o >"$TMP/glibc.txt"
assert_no_match "$TMP/glibc.txt" "rand"
assert_line "$TMP/glibc.txt" "    fixtures/c/legacy.c:30   non-reentrant-call   strtok  error; use strtok_r; shares 'strtok'"
assert_line "$TMP/glibc.txt" "  12 findings (3 mutable-global, 2 mutable-static, 1 mutable-local-static, 6 non-reentrant-call); 9 functions to guard, 1 reaching them through calls, 0 init-only"
# Exactly the rand lines go: the glibc report is the default one without them.
grep -v -e '^  function legacy_roll  \[guard\]$' -e ' rand  warning; ' -e '^  13 findings' "$TMP/any.txt" >"$TMP/any-rand"
grep -v '^  12 findings' "$TMP/glibc.txt" | cmp -s "$TMP/any-rand" - || fail "--libc glibc drops more than rand"

# --- --rules ------------------------------------------------------------------------------------
printf '# a user rule\nlegacy_tokenize parser error state legacy_tokenize_r\n' >"$TMP/user.rules"
"$CONFINE" scan --no-color --rules "$TMP/user.rules" O0/legacy.o >"$TMP/user.txt" 2>"$TMP/user.err"
[ $? = 0 ] || fail "--rules: exit status not 0"
[ -s "$TMP/user.err" ] && fail "--rules: stderr: $(head -c 300 "$TMP/user.err")"
assert_line "$TMP/user.txt" "  function legacy_process  [guard]"
assert_line "$TMP/user.txt" "    fixtures/c/legacy.c:103  non-reentrant-call   legacy_tokenize  error; use legacy_tokenize_r; shares 'parser'"
assert_line "$TMP/user.txt" "  14 findings (3 mutable-global, 2 mutable-static, 1 mutable-local-static, 8 non-reentrant-call); 11 functions to guard, 0 reaching them through calls, 0 init-only"
assert_no_match "$TMP/user.txt" "legacy_process  \\[via"
"$CONFINE" scan -f json --rules "$TMP/user.rules" O0/legacy.o >"$TMP/user.json"
flatten "$TMP/user.json" "$TMP/user.flat"
rows "$TMP/user.flat" .modules[0].findings kind symbol function file line column group alternative severity category "sites[0].how" >"$TMP/user.rows"
assert_line "$TMP/user.rows" 'kind="non-reentrant-call" symbol="legacy_tokenize" function="legacy_process" file="fixtures/c/legacy.c" line=103 column=9 group="parser" alternative="legacy_tokenize_r" severity="error" category="state" sites[0].how="call"'
# A user rule with a later one of the same name: the last wins ('-' as group: the function's
# name); a user rule can replace a built-in one (strtok as a warning).
printf 'legacy_tokenize parser error state legacy_tokenize_r\nlegacy_tokenize - warning\nstrtok strtok warning state strtok_r\n' >"$TMP/user2.rules"
"$CONFINE" scan --no-color --rules "$TMP/user2.rules" O0/legacy.o >"$TMP/user2.txt"
assert_line "$TMP/user2.txt" "    fixtures/c/legacy.c:103  non-reentrant-call   legacy_tokenize  warning; state: keeps hidden state; shares 'legacy_tokenize'"
assert_line "$TMP/user2.txt" "    fixtures/c/legacy.c:30   non-reentrant-call   strtok  warning; state: keeps hidden state; use strtok_r; shares 'strtok'"
# Rules files are cumulative (repeatable --rules) and apply with every --libc.
printf 'bump counter warning state -\n' >"$TMP/user3.rules"
"$CONFINE" scan --no-color --libc glibc --rules "$TMP/user.rules" --rules "$TMP/user3.rules" O0/legacy.o >"$TMP/user3.txt"
assert_line "$TMP/user3.txt" "    fixtures/c/legacy.c:103  non-reentrant-call   legacy_tokenize  error; use legacy_tokenize_r; shares 'parser'"
assert_line "$TMP/user3.txt" "    fixtures/c/legacy.c:27   non-reentrant-call   bump  warning; state: keeps hidden state; shares 'counter'"
assert_no_match "$TMP/user3.txt" " rand "

# --- colour -------------------------------------------------------------------------------------
# strip FILE: FILE without SGR escapes and carriage returns (script's terminal adds \r).
strip() {
	sed "s/$ESC\\[[0-9;]*m//g; s/\\r\$//" "$1"
}
# on_tty OUT CMD...: runs CMD on a pseudo-terminal (script, util-linux), its output into OUT.
on_tty() {
	_out=$1
	shift
	script -qec "$*" /dev/null </dev/null >"$_out" 2>&1
}
if command -v script >/dev/null 2>&1; then
	on_tty "$TMP/tty.txt" env -u NO_COLOR "$CONFINE" scan O0/legacy.o
	grep -q "$ESC\\[" "$TMP/tty.txt" || fail "terminal output has no colour"
	strip "$TMP/tty.txt" | cmp -s "$TMP/any.txt" - || fail "terminal output without its escapes is not the plain report"
	on_tty "$TMP/tty-nc.txt" env NO_COLOR=1 "$CONFINE" scan O0/legacy.o
	assert_no_match "$TMP/tty-nc.txt" "$ESC"
	on_tty "$TMP/tty-nc2.txt" env -u NO_COLOR "$CONFINE" scan --no-color O0/legacy.o
	assert_no_match "$TMP/tty-nc2.txt" "$ESC"
	on_tty "$TMP/tty-json.txt" env -u NO_COLOR "$CONFINE" scan -f json O0/legacy.o
	assert_no_match "$TMP/tty-json.txt" "$ESC"
	on_tty "$TMP/tty-o.txt" env -u NO_COLOR "$CONFINE" scan -o "$TMP/tty-report.txt" O0/legacy.o
	[ -s "$TMP/tty-o.txt" ] && fail "-o on a terminal: something on the terminal: $(head -c 200 "$TMP/tty-o.txt")"
	cmp -s "$TMP/any.txt" "$TMP/tty-report.txt" || fail "-o on a terminal: the file is not the plain report"
else
	fail "script (util-linux) is missing: cannot test colour on a terminal"
fi
# Not a terminal: no escapes, whatever NO_COLOR says.
env -u NO_COLOR "$CONFINE" scan O0/legacy.o >"$TMP/pipe.txt"
assert_no_match "$TMP/pipe.txt" "$ESC"
cmp -s "$TMP/any.txt" "$TMP/pipe.txt" || fail "piped output differs from --no-color"
NO_COLOR=1 "$CONFINE" scan . >"$TMP/pipe-all.txt"
assert_no_match "$TMP/pipe-all.txt" "$ESC"

# --- -o FILE ----------------------------------------------------------------------------------
"$CONFINE" scan -o "$TMP/report.txt" O0/legacy.o >"$TMP/o.out" 2>"$TMP/o.err"
[ $? = 0 ] || fail "-o: exit status not 0"
[ -s "$TMP/o.out" ] && fail "-o: stdout not empty"
cmp -s "$TMP/any.txt" "$TMP/report.txt" || fail "-o: the file is not the report"
"$CONFINE" scan --output "$TMP/report.json" --format json O0/legacy.o >"$TMP/o.out"
[ -s "$TMP/o.out" ] && fail "--output: stdout not empty"
cmp -s "$TMP/legacy.json" "$TMP/report.json" || fail "--output: the file is not the JSON report"
# An existing file is replaced, not appended to.
"$CONFINE" scan -o "$TMP/report.txt" O0/legacy.o
cmp -s "$TMP/any.txt" "$TMP/report.txt" || fail "-o twice: the file is not the report"
# With a bad input beside: the report of the good one still goes to the file, the error to stderr.
echo text >"$TMP/notelf.txt"
"$CONFINE" scan -o "$TMP/report2.txt" O0/legacy.o "$TMP/notelf.txt" >"$TMP/o.out" 2>"$TMP/o.err"
[ $? = 2 ] || fail "-o with a bad input: exit status not 2"
cmp -s "$TMP/any.txt" "$TMP/report2.txt" || fail "-o with a bad input: the file is not the good report"
assert_line "$TMP/o.err" "confine: error: $TMP/notelf.txt: not an ELF file or archive"

# --- help, version, rules -------------------------------------------------------------------------
assert_exit 0 "$CONFINE" scan --help
cp "$TMP/exit.out" "$TMP/scan-help.txt"
[ -s "$TMP/exit.err" ] && fail "scan --help wrote to stderr"
assert_line "$TMP/scan-help.txt" "usage: confine scan [options] PATH..."
for opt in "-f, --format FMT" "-o, --output FILE" "--rules FILE" "--libc SET" "-j, --jobs N" \
	"--show-ignored" "--no-color" "-v, --verbose" "-h, --help" "NO_COLOR" "Exit status: 0"; do
	grep -qF -- "$opt" "$TMP/scan-help.txt" || fail "scan --help does not mention $opt"
done
assert_exit 0 "$CONFINE" scan -h
cmp -s "$TMP/scan-help.txt" "$TMP/exit.out" || fail "scan -h differs from scan --help"
assert_exit 0 "$CONFINE" --help
cp "$TMP/exit.out" "$TMP/help.txt"
assert_line "$TMP/help.txt" "usage: confine COMMAND [options] ..."
for opt in "scan PATH..." "rules " "-h, --help" "-V, --version"; do
	grep -qF -- "$opt" "$TMP/help.txt" || fail "confine --help does not mention $opt"
done
assert_exit 0 "$CONFINE" -h
cmp -s "$TMP/help.txt" "$TMP/exit.out" || fail "confine -h differs from --help"
assert_exit 0 "$CONFINE" rules --help
for opt in "usage: confine rules" "--rules FILE" "--libc glibc|posix|any"; do
	grep -qF -- "$opt" "$TMP/exit.out" || fail "rules --help does not mention $opt"
done
assert_exit 0 "$CONFINE" --version
echo "confine 0.1.0" >"$TMP/version.want"
cmp -s "$TMP/version.want" "$TMP/exit.out" || fail "--version: $(cat "$TMP/exit.out")"
assert_exit 0 "$CONFINE" -V
cmp -s "$TMP/version.want" "$TMP/exit.out" || fail "-V: $(cat "$TMP/exit.out")"

# confine rules: header line, then one rule per line; --libc selects by source.
assert_exit 0 "$CONFINE" rules
cp "$TMP/exit.out" "$TMP/rules-any.txt"
assert_line "$TMP/rules-any.txt" "$(printf '# function\tgroup\tseverity\tcategory\talternative\tsource\taliases\tquery')"
assert_line "$TMP/rules-any.txt" "$(printf 'setlocale\tlocale\terror\tenv\tuselocale,newlocale\tglibc,posix\t-\targ2=NULL')"
assert_line "$TMP/rules-any.txt" "$(printf 'strtok\tstrtok\terror\tstate\tstrtok_r\tglibc,posix\t-')"
assert_line "$TMP/rules-any.txt" "$(printf 'rand\trand\twarning\tposix\trand_r\tposix\t-')"
assert_exit 0 "$CONFINE" rules --libc glibc
cp "$TMP/exit.out" "$TMP/rules-glibc.txt"
assert_line "$TMP/rules-glibc.txt" "$(printf 'strtok\tstrtok\terror\tstate\tstrtok_r\tglibc,posix\t-')"
assert_line "$TMP/rules-glibc.txt" "$(printf 'localtime\ttmbuf\terror\tstate\tlocaltime_r\tglibc,posix\t__localtime64')"
assert_no_match "$TMP/rules-glibc.txt" "^rand	"
grep -E '^[^#]' "$TMP/rules-glibc.txt" | awk -F'\t' '$6 !~ /glibc|user/' | grep . &&
	fail "rules --libc glibc lists rules without the glibc source"
assert_exit 0 "$CONFINE" rules --libc posix
cp "$TMP/exit.out" "$TMP/rules-posix.txt"
assert_line "$TMP/rules-posix.txt" "$(printf 'rand\trand\twarning\tposix\trand_r\tposix\t-')"
assert_line "$TMP/rules-posix.txt" "$(printf 'strtok\tstrtok\terror\tstate\tstrtok_r\tglibc,posix\t-')"
grep -E '^[^#]' "$TMP/rules-posix.txt" | awk -F'\t' '$6 !~ /posix|user/' | grep . &&
	fail "rules --libc posix lists rules without the posix source"
# Every rule has 7 tab-separated fields, or 8 with a query; any = the union of glibc and posix.
grep -E '^[^#]' "$TMP/rules-any.txt" | awk -F'\t' 'NF != 7 && !(NF == 8 && $4 == "env")' | grep . &&
	fail "rules: a line without 7 fields"
sort "$TMP/rules-any.txt" >"$TMP/rules-any.sorted"
sort -u "$TMP/rules-glibc.txt" "$TMP/rules-posix.txt" | cmp -s - "$TMP/rules-any.sorted" ||
	fail "rules: any is not the union of glibc and posix"
"$CONFINE" rules --libc glibc --rules "$TMP/user.rules" >"$TMP/rules-user.txt"
assert_line "$TMP/rules-user.txt" "$(printf 'legacy_tokenize\tparser\terror\tstate\tlegacy_tokenize_r\tuser\t-')"
