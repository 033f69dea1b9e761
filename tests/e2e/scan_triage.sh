# Triage of big reports: --kind and --min-severity filter every format; --summary, --group-by
# state, --limit and --via shape the text (golden files); a module cut short opens with its
# summary; call sites print in line order, once; libperl (when installed) fits a few screens.
cd "$TMP" || exit 1
ln -s "$FX" fx
assert_golden scan/triage/legacy.o.summary.txt "$CONFINE" scan --summary fx/O0/legacy.o
# Counts by protection, and the protection of each protected state in the top list.
assert_golden scan/triage/protect.o.summary.txt "$CONFINE" scan --summary fx/protect/gcc-O2/protect.o
assert_golden scan/triage/legacy.o.state.txt "$CONFINE" scan --group-by state fx/O0/legacy.o
# The state view shows what the default view shows: no protected state unless --show-protected
# (then tagged, each function with its access's protection), and every user, address-taken ones
# too (s_buffer, log_table).
assert_golden scan/triage/legacy.o.O2.state.txt "$CONFINE" scan --group-by state fx/O2/legacy.o
assert_golden scan/triage/libprotect.so.state.txt "$CONFINE" scan --group-by state fx/protect/gcc-O2/libprotect.so
assert_golden scan/triage/libprotect.so.state-protected.txt "$CONFINE" scan --group-by state --show-protected \
	fx/protect/gcc-O2/libprotect.so
assert_golden scan/triage/app.cut.txt "$CONFINE" scan --limit 3 --via 1 fx/O2/app
assert_golden scan/triage/app.state-cut.txt "$CONFINE" scan --group-by state --limit 2 fx/O2/app
assert_golden scan/triage/legacy_cxx.o.state.txt "$CONFINE" scan --group-by state fx/O0/legacy_cxx.o
assert_golden scan/triage/liblegacy.so.calls.txt "$CONFINE" scan --kind non-reentrant-call --via none fx/O0/liblegacy.so
assert_golden scan/triage/liblegacy.so.errors.gcc "$CONFINE" scan -f gcc --min-severity error fx/O0/liblegacy.so
# The filters apply to JSON too: only the kinds asked for, only errors.
"$CONFINE" scan -f json --kind mutable-global,mutable-local-static fx/O0 >kinds.json
grep -o '"kind": "[a-z-]*"' kinds.json | sort -u >kinds.out
printf '"kind": "mutable-global"\n"kind": "mutable-local-static"\n' | cmp -s - kinds.out ||
	fail "--kind mutable-global,mutable-local-static: kinds $(tr '\n' ' ' <kinds.out)"
"$CONFINE" scan -f json --min-severity error fx/O0/liblegacy.so | grep -q '"severity": "warning"' &&
	fail "--min-severity error: a warning is left"
# --limit 0 and --via all list everything: the same as the default on a small module.
"$CONFINE" scan fx/O0/legacy.o >default.txt
"$CONFINE" scan --limit 0 --via all fx/O0/legacy.o | cmp -s - default.txt ||
	fail "--limit 0 --via all differs from the default on legacy.o"
# Bad values: one line, exit 2.
assert_exit 2 "$CONFINE" scan --kind global fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --kind: 'global' is not one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call"
assert_exit 2 "$CONFINE" scan --min-severity info fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --min-severity: 'info' is not one of warning, error"
assert_exit 2 "$CONFINE" scan --group-by module fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --group-by: 'module' is not one of function, state"
assert_exit 2 "$CONFINE" scan --limit -3 fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --limit: '-3' is not a number"
assert_exit 2 "$CONFINE" scan --via some fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --via: 'some' is not a number, 'all' or 'none'"

# A real 3 MB library: summary first, a few screens, every via line capped.
PERL=/usr/lib/x86_64-linux-gnu/libperl.so.5.36
if [ -f "$PERL" ]; then
	"$CONFINE" scan "$PERL" >perl.txt
	sed -n 2p perl.txt | grep -q '^  summary: [0-9]* findings' || fail "libperl: the report does not open with its summary"
	[ "$(wc -l <perl.txt)" -le 200 ] || fail "libperl: $(wc -l <perl.txt) lines by default, want at most 200"
	[ "$(grep -c '\[via ' perl.txt)" -le 10 ] || fail "libperl: more than 10 via lines by default"
	grep -q '^  listed: 40 of [0-9]* functions with findings' perl.txt || fail "libperl: no 'listed:' line"
	"$CONFINE" scan --limit 0 --via all "$PERL" >all.txt
	[ "$(wc -l <all.txt)" -gt 1000 ] || fail "libperl --limit 0 --via all: only $(wc -l <all.txt) lines"
fi
