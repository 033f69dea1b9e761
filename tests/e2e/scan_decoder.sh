# The default decoder (Zydis decodes every instruction, capstone details those the analysis
# needs) gives byte for byte the JSON of capstone alone (--decoder capstone): on every fixture
# and on system libraries (libc, libstdc++, libcrypto: AVX-512, PKU and CET code included).
cd "$TMP" || exit 1

# same NAME PATH...: both decoders' JSON reports of PATH..., identical and not empty.
same() {
	name=$1
	shift
	"$CONFINE" scan --format json -j2 "$@" >"$name.zydis" 2>"$name.err" ||
		fail "$name: scan exit $?: $(head -c 300 "$name.err")"
	"$CONFINE" scan --format json -j2 --decoder capstone "$@" >"$name.capstone" 2>"$name.err" ||
		fail "$name: scan --decoder capstone exit $?: $(head -c 300 "$name.err")"
	grep -q '"findings"' "$name.capstone" || fail "$name: no findings in the report"
	cmp -s "$name.zydis" "$name.capstone" ||
		fail "$name: the decoders disagree: $(diff "$name.capstone" "$name.zydis" | head -20)"
}

same fixtures "$FX"
libdir=/lib/x86_64-linux-gnu
for lib in libc.so.6 libstdc++.so.6 libcrypto.so.3; do
	[ -r "$libdir/$lib" ] && same "$lib" "$libdir/$lib"
done
[ -r "$libdir/libc.so.6" ] || fail "$libdir/libc.so.6 is missing"

"$CONFINE" scan --format json --decoder zydis "$FX/O0/legacy.o" >zydis.json 2>&1 ||
	fail "--decoder zydis refused: $(head -c 300 zydis.json)"
assert_exit 2 "$CONFINE" scan --decoder objdump "$FX/O0/legacy.o"
assert_line "$TMP/exit.err" "confine: --decoder: 'objdump' is not one of zydis, capstone"
