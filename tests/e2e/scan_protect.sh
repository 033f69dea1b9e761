# Protection: the exact protection of every object of fixtures/protect (C and C++, gcc and clang,
# -O0 and -O2, shared objects and non-PIC objects), the default text and --show-protected,
# thread awareness, the Rust staticlib, and the CI gate on an unlocked access added to a locked
# global (fails) and a locked one (passes).
. tests/e2e/json.inc
json_setup
cd "$FX/protect" || exit 1

# table FILE.json: "name protection lock [unprotected functions]" per state finding of module 0.
table() {
	flatten "$1" "$1.flat"
	rows "$1.flat" .modules[0].findings name protection lock >"$1.rows"
	i=0
	while IFS= read -r row; do
		case "$row" in *'protection=-'*) i=$((i + 1)); continue ;; esac
		fns=$(rows "$1.flat" ".modules[0].findings[$i].accesses" function protection |
			sed -n 's/^function="\([^"]*\)" protection="none"$/\1/p' | tr '\n' ' ')
		echo "$row $fns" | sed 's/ *$//'
		i=$((i + 1))
	done <"$1.rows"
}

cat >"$TMP/c.want" <<'EOF'
name="hits" protection="atomic" lock=null
name="hook" protection="none" lock=null hook_call
name="locked_counter" protection="lock" lock="mu"
name="plain_hits" protection="atomic" lock=null
name="table" protection="lock" lock="table_rw"
name="branch_value" protection="none" lock=null branch_bump
name="config_value" protection="once" lock=null
name="got_signal" protection="signal-flag" lock=null
name="list_len" protection="lock" lock="list_mu"
name="log_table" protection="none" lock=null log_dump
name="spin_count" protection="lock" lock="spin"
name="split_value" protection="none" lock=null split_peek
name="try_hits" protection="lock" lock="mu"
name="try_misses" protection="none" lock=null try_count
EOF
cat >"$TMP/cxx.want" <<'EOF'
name="prot::counter" protection="atomic" lock=null
name="prot::guarded" protection="lock" lock="prot::m"
name="prot::unlocked" protection="none" lock=null _ZN4prot12unlocked_addEl
name="size" protection="once" lock=null
EOF
for v in gcc-O0 gcc-O2 clang-O0 clang-O2; do
	for f in libprotect.so protect.o; do
		"$CONFINE" scan -f json "$v/$f" >"$TMP/p.json" || fail "$v/$f: scan failed"
		table "$TMP/p.json" >"$TMP/p.table"
		diff -u "$TMP/c.want" "$TMP/p.table" >&2 || fail "$v/$f: protections differ"
	done
	"$CONFINE" scan -f json "$v/libprotect_cxx.so" >"$TMP/x.json" || fail "$v/libprotect_cxx.so: scan failed"
	table "$TMP/x.json" >"$TMP/x.table"
	diff -u "$TMP/cxx.want" "$TMP/x.table" >&2 || fail "$v/libprotect_cxx.so: protections differ"
	# The synchronisation objects are no findings, and are listed as such.
	"$CONFINE" scan --no-color --show-ignored "$v/libprotect.so" >"$TMP/ign.txt"
	for o in mu list_mu table_rw spin config_once; do
		grep -qE "^    $o +synchronisation object\$" "$TMP/ign.txt" || fail "$v: $o is not a synchronisation object"
	done
	assert_line "$TMP/p.json.flat" '.modules[0].thread_aware=true'
done

# Default text: the unprotected findings under the functions with unprotected accesses, then the
# count of the others; --show-protected tags each line with its protection.
"$CONFINE" scan --no-color gcc-O2/libprotect.so >"$TMP/t.txt"
cat >"$TMP/t.want" <<'EOF'
gcc-O2/libprotect.so  (shared, debug info, thread-aware: uses pthread_spin_init)
  function split_peek  [guard]
    fixtures/protect/protect.c:174 mutable-static       split_value  reads  (.bss, 4 bytes)
  function branch_bump  [guard]
    fixtures/protect/protect.c:189 mutable-static       branch_value  reads, writes  (.bss, 4 bytes)
  function try_count  [guard]
    fixtures/protect/protect.c:201 mutable-static       try_misses  reads, writes  (.bss, 4 bytes)
  function hook_call  [guard]
    fixtures/protect/protect.c:214 mutable-global       hook  reads  (.bss, 8 bytes)
  function log_dump  [guard]
    fixtures/protect/protect.c:222 mutable-static       log_table  address-taken  (.data, 16 bytes)
  5 findings (1 mutable-global, 4 mutable-static); 5 functions to guard, 0 reaching them through calls, 0 init-only
  9 protected findings not shown (5 lock, 2 atomic, 1 once, 1 signal-flag); --show-protected lists them

EOF
diff -u "$TMP/t.want" "$TMP/t.txt" >&2 || fail "default text differs"
"$CONFINE" scan --no-color --show-protected gcc-O2/libprotect.so >"$TMP/all.txt"
assert_line "$TMP/all.txt" "    fixtures/protect/protect.c:201 mutable-static       try_hits  reads, writes  (.bss, 4 bytes)  [lock mu]"
assert_line "$TMP/all.txt" "    fixtures/protect/protect.c:174 mutable-static       split_value  writes  (.bss, 4 bytes)  [lock mu]"
assert_line "$TMP/all.txt" "  14 findings (5 mutable-global, 9 mutable-static); 5 functions to guard, 0 reaching them through calls, 0 init-only"
assert_no_match "$TMP/all.txt" "protected findings? not shown"

# Rust: the crate's own member has no unprotected finding; its atomic is atomic, its Mutex a
# synchronisation object, and it is thread-aware (written in Rust).
"$CONFINE" scan -f json --show-ignored rust/libprotect_rs.a >"$TMP/rs.json" || fail "rust: scan failed"
flatten "$TMP/rs.json" "$TMP/rs.flat"
m=$(sed -n 's/^\.modules\[\([0-9]*\)\]\.member="libprotect_rs\.protect\..*"$/\1/p' "$TMP/rs.flat")
[ -n "$m" ] || fail "rust: no member of the crate itself"
rows "$TMP/rs.flat" ".modules[$m].findings" kind name protection >"$TMP/rs.rows"
assert_line "$TMP/rs.rows" 'kind="mutable-static" name="protect::HITS" protection="atomic"'
grep -E 'protection="none"|kind="non-reentrant-call"' "$TMP/rs.rows" && fail "rust: an unprotected finding"
assert_line "$TMP/rs.flat" ".modules[$m].evidence=\"written in Rust\""
grep -qE "^\\.modules\\[$m\\]\\.ignored\\[[0-9]+\\]\\.reason=\"synchronisation object\"\$" "$TMP/rs.flat" ||
	fail "rust: the Mutex is not a synchronisation object"

# The CI gate: a locked global is no finding; one unlocked access added makes it new (exit 1,
# naming the reader); one more locked access does not.
assert_exit 0 "$CONFINE" baseline gate-v1/liblockgate.so -o "$TMP/gate.base"
grep -q locked_counter "$TMP/gate.base" && fail "gate: the locked global is in the baseline"
assert_exit 0 "$CONFINE" check --baseline "$TMP/gate.base" gate-locked/liblockgate.so
assert_exit 1 "$CONFINE" check --baseline "$TMP/gate.base" gate-unlocked/liblockgate.so
grep -q "locked_counter" "$TMP/exit.out" || fail "gate: the new finding does not name locked_counter"
"$CONFINE" scan -f json gate-unlocked/liblockgate.so >"$TMP/g.json"
table "$TMP/g.json" | grep '^name="locked_counter"' >"$TMP/g.row"
assert_line "$TMP/g.row" 'name="locked_counter" protection="none" lock=null locked_peek'
