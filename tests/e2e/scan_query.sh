# Queries: setlocale(LC_ALL, NULL) only reads the locale's name (rules field query, arg2=NULL),
# so a call whose second argument is zeroed in its block is no finding; setlocale(LC_ALL, "C")
# is. Each build of fixtures/locale/locale.c is pinned by a golden file.
cd "$FX/locale" || exit 1
for opt in O0 O2; do
	for f in locale.o liblocale.so; do
		assert_golden "scan/locale/$opt/$f.txt" "$CONFINE" scan --no-color "$opt/$f"
	done
	# The reader is no function to guard: JSON and the state view leave it out too.
	"$CONFINE" scan -f json "$opt/liblocale.so" >"$TMP/locale.json"
	grep -q '"locale_name"' "$TMP/locale.json" && fail "$opt/liblocale.so: locale_name is in the JSON report"
	"$CONFINE" scan --group-by state "$opt/liblocale.so" | grep -q locale_name &&
		fail "$opt/liblocale.so: locale_name is in the state view"
done
# A rule without a query makes both calls findings; 'always' makes neither.
printf 'setlocale locale error env uselocale - - -\n' >"$TMP/never.rules"
"$CONFINE" scan --rules "$TMP/never.rules" O2/locale.o | grep -c 'non-reentrant-call   setlocale' >"$TMP/n"
[ "$(cat "$TMP/n")" = 2 ] || fail "query '-': $(cat "$TMP/n") setlocale lines, want 2"
printf 'setlocale locale error env uselocale - - always\n' >"$TMP/always.rules"
"$CONFINE" scan --rules "$TMP/always.rules" O2/locale.o | grep -q setlocale && fail "query 'always': setlocale reported"
