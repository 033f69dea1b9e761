# The report does not depend on the number of threads: -j1, -j2 and -j7 give the same bytes on
# the fixtures and on a large system library (the sweep is cut into chunks per thread, and
# libLLVM's via paths once depended on where). With libLLVM, the JSON scan's peak memory at -j2
# stays at most the file's size (0.87x on libLLVM-14: the report is written while scanning,
# code pages are given back once decoded, jumps are dropped after the call graph).
cd "$TMP" || exit 1

# same_jobs NAME PATH: JSON reports of PATH with -j1, -j2 and -j7, identical.
same_jobs() {
	for j in 1 2 7; do
		python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"))
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
			"$1.j$j" "$CONFINE" scan --format json -j$j "$2" >"$1.rss" 2>"$1.err"
		read -r st rss <"$1.rss"
		[ "$st" = 0 ] || fail "$1: scan -j$j exit $st: $(head -c 300 "$1.err")"
		# ASan's shadow memory (make test SANITIZE=1) is no regression of the scan's own.
		case $j${ASAN_OPTIONS:+asan}$2 in
		2/*libLLVM*) [ "${rss:-0}" -gt 0 ] && [ "$rss" -le $(($(stat -c %s "$2") / 1024)) ] ||
			fail "$1: scan -j$j peak memory ${rss:-?} KiB, over the file's size" ;;
		esac
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

# Several inputs: each module's text is rendered by its worker (up to 8 MiB; the big library's
# is over it and is written from its report). Every line of the JSON Lines scan of a directory
# holding the big library between two fixtures equals the scan of that input alone.
mkdir mixed && ln -s "$FX/O2/legacy.o" mixed/a.o && ln -s "$big" mixed/b.so &&
	ln -s "$FX/O0/app_cxx" mixed/c-app
"$CONFINE" scan --format jsonl -j2 mixed >mixed.jsonl 2>mixed.err || fail "mixed: scan exit $?: $(head -c 300 mixed.err)"
for u in a.o b.so c-app; do
	"$CONFINE" scan --format jsonl -j1 "mixed/$u" || fail "mixed/$u: scan alone exit $?"
done >alone.jsonl
[ "$(wc -l <mixed.jsonl)" = 3 ] || fail "mixed: $(wc -l <mixed.jsonl) lines, not 3"
cmp -s mixed.jsonl alone.jsonl || fail "mixed: the directory's lines differ from the inputs scanned alone"
