# The report does not depend on the number of threads: -j1, -j2 and -j7 give the same bytes on
# the fixtures and on a large system library (the sweep is cut into chunks per thread, and
# libLLVM's via paths once depended on where).
cd "$TMP" || exit 1

# same_jobs NAME PATH: JSON reports of PATH with -j1, -j2 and -j7, identical.
same_jobs() {
	for j in 1 2 7; do
		"$CONFINE" scan --format json -j$j "$2" >"$1.j$j" 2>"$1.err" ||
			fail "$1: scan -j$j exit $?: $(head -c 300 "$1.err")"
	done
	grep -q '"findings"' "$1.j1" || fail "$1: no findings in the report"
	cmp -s "$1.j1" "$1.j2" || fail "$1: -j1 and -j2 differ: $(diff "$1.j1" "$1.j2" | head -20)"
	cmp -s "$1.j1" "$1.j7" || fail "$1: -j1 and -j7 differ: $(diff "$1.j1" "$1.j7" | head -20)"
}

same_jobs fixtures "$FX"
# The largest library at hand: libLLVM where installed (make bench installs it), else gcc's cc1.
big=$(ls -S /usr/lib/x86_64-linux-gnu/libLLVM-*.so* /usr/lib/gcc/x86_64-linux-gnu/*/cc1 2>/dev/null | head -1)
[ -n "$big" ] || fail "no large library (libLLVM or cc1) to scan"
[ -n "$big" ] && same_jobs big "$big"
