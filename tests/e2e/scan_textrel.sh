# Text relocations: a shared object of non-PIC code (-mcmodel=large, -z notext) reaches its data
# and imports through 64-bit immediates its dynamic relocations fill in. Its findings are pinned
# by a golden file and must match the -fPIC build's in everything but addresses, sizes of code and
# the strtok site's use (movabs loads the import, called through a register: address-taken).
. tests/e2e/json.inc
json_setup
cd "$FX/textrel" || exit 1

# same FILE.json: its flattened form without what differs between the two builds.
same() {
	flatten "$1" "$1.flat"
	grep -v -E '^\.modules\[0\]\.(path|build_id)=|\.functions\[[0-9]+\]\.(address|size)=|\.address=|\.fingerprint=|\.sites\[[0-9]+\]\.how=' \
		"$1.flat"
}

for opt in O0 O2; do
	readelf -d "$opt/libtextrel.so" | grep -q TEXTREL || fail "$opt/libtextrel.so has no text relocations"
	readelf -d "$opt/libtextrel-pic.so" | grep -q TEXTREL && fail "$opt/libtextrel-pic.so has text relocations"
	assert_golden "scan/textrel/$opt.txt" "$CONFINE" scan --no-color "$opt/libtextrel.so"
	for lib in libtextrel libtextrel-pic; do
		"$CONFINE" scan --format json "$opt/$lib.so" >"$TMP/$opt-$lib.json" ||
			fail "$opt/$lib.so: scan --format json failed"
		same "$TMP/$opt-$lib.json" >"$TMP/$opt-$lib.same"
	done
	grep -q '\.readers\[[0-9]*\]="tr_peek"' "$TMP/$opt-libtextrel.same" || fail "$opt: no reader of tr_total"
	diff -u "$TMP/$opt-libtextrel-pic.same" "$TMP/$opt-libtextrel.same" >&2 ||
		fail "$opt/libtextrel.so: findings differ from the -fPIC build's"
done
