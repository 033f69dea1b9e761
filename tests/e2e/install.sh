# make install and make uninstall (PREFIX, DESTDIR): the installed confine scans, checks and runs
# a program under the installed guard, found from its own prefix; every man page renders
# without a warning; the --help texts point to the man pages; uninstall leaves nothing.
ROOT=$PWD
root="$TMP/root"
prefix=/opt/confine
inst="$root$prefix"
make --no-print-directory -s -C "$ROOT" install BUILD="$BUILD" DESTDIR="$root" PREFIX=$prefix \
	>"$TMP/install.out" 2>&1 || fail "make install: $(tail -5 "$TMP/install.out")"
for f in bin/confine lib/libconfine_guard.so libexec/confine/confine-symbolizer include/confine.h share/confine/deps.sh \
	share/doc/confine/README.md share/doc/confine/rules.md share/man/man1/confine.1 \
	share/man/man5/confine-rules.5 share/man/man7/confine-guard.7; do
	[ -f "$inst/$f" ] || fail "make install did not install $prefix/$f"
done
[ -x "$inst/bin/confine" ] || fail "the installed confine is not executable"
# The installed deps.sh (CI restoring a cached install runs it): nothing to do here, silently.
"$inst/share/confine/deps.sh" build >"$TMP/deps.out" 2>&1 || fail "installed deps.sh build: exit $?: $(head -c 300 "$TMP/deps.out")"
[ -s "$TMP/deps.out" ] && fail "installed deps.sh build prints: $(head -c 300 "$TMP/deps.out")"

# One page per command of confine --help.
"$inst/bin/confine" --help | awk '/^commands:$/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' \
	>"$TMP/commands"
[ "$(wc -l <"$TMP/commands")" -ge 6 ] || fail "confine --help lists $(wc -l <"$TMP/commands") commands"
while read -r cmd; do
	[ -f "$inst/share/man/man1/confine-$cmd.1" ] || fail "no man page confine-$cmd.1"
done <"$TMP/commands"

# Each page renders, without a groff warning, with its NAME section.
for page in "$inst"/share/man/man*/*; do
	MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >"$TMP/page.txt" 2>"$TMP/page.err" ||
		fail "man -l $page failed: $(head -3 "$TMP/page.err")"
	[ -s "$TMP/page.err" ] && fail "man -l $page warns: $(head -3 "$TMP/page.err")"
	grep -q '^NAME' "$TMP/page.txt" || fail "$page has no NAME section"
done
# man finds the pages from PATH (PREFIX/bin on PATH: PREFIX/share/man).
[ "$(PATH="$inst/bin:$PATH" man -w confine-guard 2>&1)" = "$inst/share/man/man7/confine-guard.7" ] ||
	fail "man -w confine-guard with $prefix/bin on PATH: $(PATH="$inst/bin:$PATH" man -w confine-guard 2>&1)"
man -l "$inst/share/man/man1/confine.1" 2>/dev/null | grep -q "$prefix/lib/libconfine_guard.so" ||
	fail "confine(1) does not name the installed guard"
man -l "$inst/share/man/man1/confine-run.1" 2>/dev/null | grep -q "^ *halt_on_error=bool (default: 0)" ||
	fail "confine-run(1) lacks the guard options"
man -l "$inst/share/man/man7/confine-guard.7" 2>/dev/null | grep -q "^ *cross-thread-call: gmtime" ||
	fail "confine-guard(7) lacks the report format"

# The --help texts point to the man pages, never to files of the source tree.
"$inst/bin/confine" --help | grep -qF "confine-guard(7)" || fail "confine --help does not name the man pages"
for cmd in "" scan baseline check run policy rules; do
	# shellcheck disable=SC2086
	"$inst/bin/confine" $cmd --help | grep -n "README" && fail "confine $cmd --help names a README"
done

# The installed tool works from its prefix: scan, check, run (guard and symbolizer found there,
# not in the build tree).
unset CONFINE_GUARD CONFINE_SYMBOLIZER
cd "$TMP" || exit 1
"$CONFINE" scan "$FX/O0/legacy.o" >build-scan.txt 2>&1
assert_exit 0 "$inst/bin/confine" scan "$FX/O0/legacy.o"
cmp -s build-scan.txt "$TMP/exit.out" || fail "the installed confine scans differently"
assert_exit 0 "$inst/bin/confine" baseline "$FX/history/v1-O0/liblegacy.so" -o base.txt
assert_exit 0 "$inst/bin/confine" check -b base.txt "$FX/history/v1-O0/liblegacy.so"
assert_exit 1 "$inst/bin/confine" check -b base.txt "$FX/history/v2-O0/liblegacy.so"
assert_exit 0 "$inst/bin/confine" run -- sh -c 'echo "$LD_PRELOAD"'
echo "$inst/lib/libconfine_guard.so" | cmp -s - "$TMP/exit.out" ||
	fail "confine run preloads '$(cat "$TMP/exit.out")', not the installed guard"
assert_exit 66 "$inst/bin/confine" run --options patch=0 -- "$FX/guard/O2/scenarios" tmbuf
grep -q '^    #0 0x[0-9a-f]* gmtime_thread fixtures/guard/scenarios.c:[0-9]* (scenarios+0x[0-9a-f]*)$' \
	"$TMP/exit.err" || fail "the installed guard's report has no symbolized frame: $(head -5 "$TMP/exit.err")"
# Without the installed symbolizer, frames show module+offset only: it was the one used.
mv "$inst/libexec/confine/confine-symbolizer" "$TMP/helper"
assert_exit 66 "$inst/bin/confine" run --options patch=0 -- "$FX/guard/O2/scenarios" tmbuf
grep -q '^    #0 0x[0-9a-f]* (scenarios+0x[0-9a-f]*)$' "$TMP/exit.err" ||
	fail "without the installed symbolizer: $(grep '#0' "$TMP/exit.err" | head -2)"
mv "$TMP/helper" "$inst/libexec/confine/confine-symbolizer"
cd "$ROOT" || exit 1

make --no-print-directory -s -C "$ROOT" uninstall BUILD="$BUILD" DESTDIR="$root" PREFIX=$prefix \
	>"$TMP/uninstall.out" 2>&1 || fail "make uninstall: $(tail -5 "$TMP/uninstall.out")"
left=$(find "$root" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
