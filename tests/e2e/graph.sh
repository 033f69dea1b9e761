# confine graph: DOT pinned by golden files; the HTML page is self-contained (no URL it could
# fetch) and is opened in headless Chromium, whose rendered DOM must hold exactly the nodes and
# edges of the fixture, after a filter, with collapsed call chains, and with a why-path shown;
# a screenshot is saved as build/graph-legacy.png. Protection colours both: on the protection
# fixture, protected state and protected accesses are green and dashed, in DOT and on the page.
cd "$TMP" || exit 1
ln -s "$FX" fx
assert_golden graph/legacy.o.dot "$CONFINE" graph fx/O0/legacy.o
assert_golden graph/app_cxx.dot "$CONFINE" graph -f dot fx/O2/app_cxx
assert_golden graph/protect.o.dot "$CONFINE" graph fx/protect/gcc-O2/protect.o
assert_exit 0 "$CONFINE" graph -o protect.html fx/protect/gcc-O2/protect.o
assert_exit 0 "$CONFINE" graph -o legacy.html fx/O0/legacy.o
cp legacy.html legacy-page.html
[ -s "$TMP/exit.out" ] && fail "graph -o: stdout not empty"
assert_exit 2 "$CONFINE" graph -f svg fx/O0/legacy.o
assert_line "$TMP/exit.err" "confine: --format: 'svg' is not one of dot, html"
assert_exit 2 "$CONFINE" graph
assert_line "$TMP/exit.err" "confine: graph: no PATH given (try 'confine graph --help')"
echo "not ELF" >notelf.so
assert_exit 2 "$CONFINE" graph fx/O0/legacy.o notelf.so
grep -q 'label="legacy_tokenize"' "$TMP/exit.out" || fail "graph with a bad input: no graph of the good one"

# The DOT of legacy.o: its node and edge counts are what the page must draw.
nodes=$(grep -c '^    n[0-9]* \[label=' "$GOLDEN/graph/legacy.o.dot")
edges=$(grep -c '^  n[0-9]* -> n[0-9]* ' "$GOLDEN/graph/legacy.o.dot")
[ "$nodes" -gt 10 ] && [ "$edges" -gt 10 ] || fail "graph: legacy.o has only $nodes nodes and $edges edges"

# Self-contained: one inline script, no src/href/url() and no URL but the SVG namespace.
grep -qiE '<(script|link|img|iframe)[^>]* (src|href)=' legacy.html && fail "graph page loads a resource"
grep -qiE 'url\(|@import|fetch\(|XMLHttpRequest' legacy.html && fail "graph page may fetch something"
[ "$(grep -oE 'https?://[^"'"'"' )]*' legacy.html | sort -u)" = "http://www.w3.org/2000/svg" ] ||
	fail "graph page names a URL: $(grep -oE 'https?://[^"'"'"' )]*' legacy.html | sort -u | head -3)"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	fail "chromium is missing (make test installs it)"
	return 0 2>/dev/null || exit 1
fi
# dom HASH: the page's DOM after its script ran, opened at legacy.html#HASH.
dom() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TMP/chrome" --virtual-time-budget=5000 --dump-dom \
		"file://$TMP/legacy.html#$1" 2>/dev/null
}
# drawn HASH NODES EDGES: the page draws exactly that many nodes and edges.
drawn() {
	dom "$1" >page.dom
	got=$(grep -oE '<svg id="graph"[^>]*>' page.dom | grep -oE 'data-(nodes|edges)="[0-9]+"' | tr '\n' ' ')
	[ "$got" = "data-nodes=\"$2\" data-edges=\"$3\" " ] || fail "page #$1: drew '$got', want $2 nodes and $3 edges"
	n=$(grep -o '<g class="node ' page.dom | wc -l)
	e=$(grep -o '<path class="edge' page.dom | wc -l)
	[ "$n" = "$2" ] && [ "$e" = "$3" ] || fail "page #$1: $n node and $e edge elements, want $2 and $3"
}
drawn "collapse=0" "$nodes" "$edges"
# g_counter: itself, the functions touching it (legacy_tokenize, legacy_report) and the one
# reaching them (legacy_process), with the three edges between them.
drawn "filter=g_counter&collapse=0" 4 3
# Collapsed: exported legacy_process stays, its call edge drawn as a "via 1 call" edge (no
# function of legacy.o only passes calls on without being an entry point).
drawn "collapse=1" "$nodes" "$edges"
grep -q '<title>legacy_process via 1 call legacy_tokenize</title>' page.dom || fail "page #collapse=1: no via edge"
dom "select=legacy_tokenize&collapse=0" >select.dom
grep -q 'confined: it touches thread-hostile state itself' select.dom || fail "page: no why for legacy_tokenize"
grep -q 'writes g_counter' select.dom || fail "page: legacy_tokenize's details do not say it writes g_counter"
grep -q 'calls strtok strtok' select.dom || fail "page: legacy_tokenize's details do not name its strtok call"
dom "select=legacy_process&collapse=0" >via.dom
grep -q 'reaches state through: legacy_process -&gt; legacy_tokenize' via.dom ||
	fail "page: legacy_process's path is not shown"

# Protection on the page: split_value is written under mu by split_set and read unlocked by
# split_peek, so the state is unprotected (solid) with one protected (dashed) edge; locked_counter
# is locked by both of its functions. The page draws as many protected nodes and edges as DOT.
G=$GOLDEN/graph/protect.o.dot
pn=$(grep -c '^    n[0-9]* \[.*style="rounded,filled,dashed"' "$G")
pe=$(grep -c '^  n[0-9]* -> n[0-9]* .*style=dashed' "$G")
[ "$pn" = 9 ] && [ "$pe" = 16 ] || fail "graph: protect.o has $pn protected nodes and $pe protected edges in DOT"
cp protect.html legacy.html
dom "collapse=0" >protect.dom
[ "$(grep -o '<g class="node state protected' protect.dom | wc -l)" = "$pn" ] ||
	fail "page: $(grep -o '<g class="node state protected' protect.dom | wc -l) protected state nodes, want $pn"
[ "$(grep -o '<path class="edge[a-z ]* protected' protect.dom | wc -l)" = "$pe" ] ||
	fail "page: $(grep -o '<path class="edge[a-z ]* protected' protect.dom | wc -l) protected edges, want $pe"
grep -q '<g class="node state" data-id="[0-9]*" data-protection="none"[^>]*><rect[^>]*></rect><text[^>]*>split_value<' protect.dom ||
	fail "page: split_value is not an unprotected state node"
grep -q '<g class="node state protected" data-id="[0-9]*" data-protection="lock"[^>]*><rect[^>]*></rect><text[^>]*>locked_counter<' protect.dom ||
	fail "page: locked_counter is not a lock-protected state node"
grep -q '<title>split_set writes split_value \[lock mu\]</title>' protect.dom || fail "page: no locked edge split_set -> split_value"
grep -q '<path class="edge" data-protection="none"[^>]*><title>split_peek reads split_value</title>' protect.dom ||
	fail "page: no unprotected edge split_peek -> split_value"
dom "select=split_value&collapse=0" >prot-select.dom
grep -q 'protection: none' prot-select.dom || fail "page: split_value's details do not give its protection"
grep -q 'split_set (writes) \[lock mu\]' prot-select.dom || fail "page: split_value's details do not give the lock of split_set"
grep -Fq "green dashed: protected state and accesses" prot-select.dom || fail "page: the legend does not explain the protection colours"
cp "$TMP/legacy-page.html" legacy.html

# A screenshot to look at.
rm -f "$BUILD/graph-legacy.png"
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$TMP/chrome" --virtual-time-budget=5000 --window-size=1400,900 \
	--screenshot="$BUILD/graph-legacy.png" "file://$TMP/legacy.html#collapse=0" >/dev/null 2>&1
head -c 8 "$BUILD/graph-legacy.png" 2>/dev/null | od -c | grep -q 'P   N   G' || fail "no screenshot in build/graph-legacy.png"
