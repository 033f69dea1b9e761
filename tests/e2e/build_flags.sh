# The Makefile's link lines honour LDFLAGS (distributions pass hardening flags that way) and
# SANITIZE=1 builds the analyzer and its tests with ASan+UBSan in a tree of its own while the
# guard keeps a plain copy of the core. Checked on the commands make would run (make -n).
probe=-Wl,--confine-ldflags-probe
out="$TMP/make.out"
make -n -B LDFLAGS="$probe" BUILD="$TMP/b" "$TMP/b/bin/confine" "$TMP/b/lib/libconfine_guard.so" \
	"$TMP/b/gen/gen_table" "$TMP/b/tests/test_text" "$TMP/b/tests/test_pool" >"$out" 2>&1 ||
	fail "make -n failed: $(tail -3 "$out")"
for target in bin/confine lib/libconfine_guard.so gen/gen_table tests/test_text tests/test_pool; do
	grep -F -- "-o $TMP/b/$target " "$out" | grep -qF -- "$probe" || fail "the link of $target ignores LDFLAGS"
done

san="$TMP/san.out"
make -n -B SANITIZE=1 BUILD="$TMP/s" "$TMP/s/bin/confine" "$TMP/s/lib/libconfine_guard.so" \
	"$TMP/s/tests/test_text" >"$san" 2>&1 || fail "make -n SANITIZE=1 failed: $(tail -3 "$san")"
grep -F -- "-o $TMP/s/bin/confine " "$san" | grep -qF -- "-fsanitize=address,undefined" ||
	fail "SANITIZE=1: the CLI is not linked with the sanitizers"
grep -F -- "-o $TMP/s/obj/analyzer/state.o" "$san" | grep -qF -- "-fsanitize=address,undefined" ||
	fail "SANITIZE=1: the core is not compiled with the sanitizers"
grep -F -- "-o $TMP/s/lib/libconfine_guard.so " "$san" | grep -qF -- libconfine_plain.a ||
	fail "SANITIZE=1: the guard does not link the plain core"
grep -F -- "-o $TMP/s/lib/libconfine_guard.so " "$san" | grep -qF -- "-fsanitize" &&
	fail "SANITIZE=1: the guard is linked with a sanitizer"
