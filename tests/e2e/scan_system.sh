# Smoke tests on real system libraries: libc.so.6 and libstdc++.so.6 of the machine scan within
# 120 s each with exit 0 and no message; the JSON report parses (jansson, tests/e2e/jflat.c) and
# agrees with the text report's counts; the counts lie in sane ranges; and a few facts that hold
# for any glibc and libstdc++ build are pinned: libc's strtok and localtime keep static state,
# localtime and gmtime share one buffer, rand reaches state only through random, the _r
# variants are clean, the classic mutable globals (environ, optarg, tzname ...) are findings;
# std::locale::global calls setlocale, std::cout is a mutable global with its demangled name.
. tests/e2e/json.inc
cd "$TMP" || exit 1
json_setup

libdir=/lib/x86_64-linux-gnu
[ -r "$libdir/libc.so.6" ] || fail "$libdir/libc.so.6 is missing"
[ -r "$libdir/libstdc++.so.6" ] || fail "$libdir/libstdc++.so.6 is missing"

# scan_both LIB NAME: NAME.json, NAME.flat and NAME.txt from scans of LIB, each exit 0 and silent.
scan_both() {
	timeout 120 "$CONFINE" scan --format json "$1" >"$2.json" 2>"$2.err"
	st=$?
	[ "$st" = 0 ] || fail "$1: json scan exit $st, want 0 (124: timeout): $(head -c 300 "$2.err")"
	[ -s "$2.err" ] && fail "$1: json scan wrote to stderr: $(head -c 300 "$2.err")"
	timeout 120 "$CONFINE" scan --no-color --limit 0 --via all "$1" >"$2.txt" 2>"$2.err"
	st=$?
	[ "$st" = 0 ] || fail "$1: text scan exit $st, want 0 (124: timeout): $(head -c 300 "$2.err")"
	[ -s "$2.err" ] && fail "$1: text scan wrote to stderr: $(head -c 300 "$2.err")"
	flatten "$2.json" "$2.flat"
}

# value FLAT PATH: the value of one leaf.
value() {
	grep -F -- "$2=" "$1" | while IFS= read -r l; do
		[ "${l%%=*}" = "$2" ] && printf '%s\n' "${l#*=}"
	done | head -1
}

# in_range WHAT N LO HI
in_range() {
	case $2 in '' | *[!0-9]*) fail "$1: '$2' is not a count"; return ;; esac
	[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1: $2, want $3..$4"
}

# counts_agree NAME: the text summary line states the JSON report's counts of what the text
# shows by default: unprotected findings, and the functions touching them.
counts_agree() {
	rows "$1.flat" ".modules[0].findings" kind protection >"$1.kinds"
	rows "$1.flat" ".modules[0].functions" guard unprotected "via#" init_only "direct#" >"$1.fns"
	n=$(grep -cE '^kind="non-reentrant-call"|protection="none"$' "$1.kinds")
	line="  $n findings"
	sep=" ("
	for k in mutable-global mutable-static mutable-local-static non-reentrant-call; do
		c=$(grep -E "^kind=\"$k\"" "$1.kinds" | grep -cE '^kind="non-reentrant-call"|protection="none"$')
		[ "$c" = 0 ] && continue
		line="$line$sep$c $k"
		sep=", "
	done
	[ "$sep" = ", " ] && line="$line)"
	g=$(grep -c '^guard=true ' "$1.fns")
	v=$(grep -c ' direct#=0$' "$1.fns")
	i=$(grep -c '^guard=false unprotected=true via#=[0-9]* init_only=true direct#=[1-9]' "$1.fns")
	line="$line; $g functions to guard, $v reaching them through calls, $i init-only"
	assert_line "$1.txt" "$line"
	[ "$(grep -c '^  [0-9]* findings' "$1.txt")" = 1 ] || fail "$1.txt: not one count line"
}

# has_row FILE LINE: FILE (from rows) holds LINE.
has_row() {
	grep -qxF -- "$2" "$1" || fail "$1 lacks: $2"
}

# --- libc.so.6 --------------------------------------------------------------------------------
scan_both "$libdir/libc.so.6" libc
f=libc.flat
assert_line $f '.tool="confine"'
assert_line $f '.version="0.1.0"'
assert_line $f '.modules#=1'
assert_line $f ".modules[0].path=\"$libdir/libc.so.6\""
assert_line $f '.modules[0].member=null'
assert_line $f '.errors#=0'
value $f '.modules[0].build_id' | grep -qE '^"[0-9a-f]{40}"$' || fail "libc: build_id is not 40 hex digits"
# libc.so.6 can be run (it has a PT_INTERP), but it has a soname and no DF_1_PIE: a library.
assert_line $f '.modules[0].type="shared"'
in_range "libc findings" "$(value $f '.modules[0].findings#')" 200 5000
in_range "libc functions" "$(value $f '.modules[0].functions#')" 500 20000
counts_agree libc
rows $f ".modules[0].findings" kind >libc.kinds
in_range "libc mutable-global" "$(grep -c '^kind="mutable-global"$' libc.kinds)" 30 500
in_range "libc mutable-static" "$(grep -c '^kind="mutable-static"$' libc.kinds)" 100 5000
in_range "libc non-reentrant-call" "$(grep -c '^kind="non-reentrant-call"$' libc.kinds)" 20 1000
in_range "libc functions to guard" "$(grep -c '^guard=true ' libc.fns)" 200 5000
# The exported mutable globals of the C library's ABI.
rows $f ".modules[0].findings" kind symbol function >libc.findings
for sym in environ optarg optind opterr optopt tzname daylight timezone getdate_err \
	program_invocation_name stdin stdout stderr; do
	has_row libc.findings "kind=\"mutable-global\" symbol=\"$sym\" function=null"
done
# errno is thread-local, never a finding; no finding without a kind or symbol.
grep -q 'symbol="errno"' libc.findings && fail "libc: errno is a finding"
grep -q '=-' libc.findings && fail "libc: a finding lacks kind, symbol or function"
# getenv is called from libc's own code (a non-reentrant call inside libc).
[ "$(grep -c '^kind="non-reentrant-call" symbol="getenv" ' libc.findings)" -ge 5 ] ||
	fail "libc: fewer than 5 calls of getenv"
# Functions: strtok, localtime, gmtime and asctime use static state directly (.bss), localtime
# and gmtime share one buffer; ctime calls asctime and localtime; rand reaches state only
# through random; strtok_r and rand_r are no hazard at all (localtime_r is: it reaches the time
# zone state, which glibc guards with a lock the analysis does not see).
rows $f ".modules[0].functions" name guard "direct#" "direct[0]" "via#" "via[0]" init_only exported >libc.fnrows
for fn in strtok localtime gmtime asctime; do
	grep -qE "^name=\"$fn\" guard=true direct#=1 direct\\[0\\]=\"\\.bss\\+0x[0-9a-f]+\" via#=0 via\\[0\\]=- init_only=false exported=true\$" libc.fnrows ||
		fail "libc: $fn is not a guarded function using one .bss object: $(grep "^name=\"$fn\" " libc.fnrows)"
done
lt=$(sed -n 's/^name="localtime" .* direct\[0\]=\([^ ]*\) .*/\1/p' libc.fnrows)
gt=$(sed -n 's/^name="gmtime" .* direct\[0\]=\([^ ]*\) .*/\1/p' libc.fnrows)
[ -n "$lt" ] && [ "$lt" = "$gt" ] || fail "libc: localtime ($lt) and gmtime ($gt) do not share their buffer"
ct=$(grep -n '^name="ctime" ' libc.fnrows | cut -d: -f1)
if [ -z "$ct" ]; then
	fail "libc: ctime is not a hazardous function"
else
	grep -E "^\\.modules\\[0\\]\\.functions\\[$((ct - 1))\\]\\.direct\\[[0-9]+\\]=" $f | cut -d= -f2 | sort >ctime.direct
	printf '"asctime"\n"localtime"\n' >ctime.want
	diff -u ctime.want ctime.direct >&2 || fail "libc: ctime does not use exactly asctime and localtime"
fi
has_row libc.fnrows 'name="rand" guard=false direct#=0 direct[0]=- via#=1 via[0]="random" init_only=false exported=true'
for fn in strtok_r rand_r strlen memcpy; do
	grep -q "^name=\"$fn\" " libc.fnrows && fail "libc: $fn is listed as a hazardous function"
done

# --- libstdc++.so.6 ---------------------------------------------------------------------------
scan_both "$libdir/libstdc++.so.6" stdcxx
f=stdcxx.flat
assert_line $f '.modules#=1'
assert_line $f ".modules[0].path=\"$libdir/libstdc++.so.6\""
assert_line $f '.modules[0].type="shared"'
assert_line $f '.errors#=0'
in_range "libstdc++ findings" "$(value $f '.modules[0].findings#')" 100 5000
in_range "libstdc++ functions" "$(value $f '.modules[0].functions#')" 500 50000
counts_agree stdcxx
rows $f ".modules[0].findings" kind symbol demangled name >stdcxx.findings
has_row stdcxx.findings 'kind="mutable-global" symbol="_ZSt4cout" demangled="std::cout" name="std::cout"'
has_row stdcxx.findings 'kind="mutable-global" symbol="_ZSt4cerr" demangled="std::cerr" name="std::cerr"'
has_row stdcxx.findings 'kind="mutable-global" symbol="_ZSt4wcin" demangled="std::wcin" name="std::wcin"'
# The named findings are C++ symbols, demangled.
in_range "libstdc++ findings demangled into std::" "$(grep -c ' demangled="std::' stdcxx.findings)" 20 5000
rows $f ".modules[0].findings" kind symbol function severity group >stdcxx.calls
has_row stdcxx.calls 'kind="non-reentrant-call" symbol="setlocale" function="_ZNSt6locale6globalERKS_" severity="error" group="locale"'
assert_line stdcxx.txt "  function std::locale::global(std::locale const&)  [guard]"
