# confine scan on every fixture build: the exact findings, guarded, via and init-only functions
# of each build are pinned by a golden file (regenerate with 'make golden', then review).
cd "$FX" || exit 1
for opt in O0 O2; do
	for f in legacy.o liblegacy.a liblegacy.so liblegacy-noplt.so app app-nopie app-stripped app-dyn \
		legacy_cxx.o legacy_cxx-nodebug.o liblegacy_cxx.so app_cxx app_cxx-stripped; do
		assert_golden "scan/$opt/$f.txt" "$CONFINE" scan --no-color "$opt/$f"
	done
done
# Why each look-alike is not a finding: the ignored list names the reason for every symbol.
assert_golden scan/O0/legacy.o.ignored.txt "$CONFINE" scan --no-color --show-ignored O0/legacy.o
assert_golden scan/O0/legacy_cxx.o.ignored.txt "$CONFINE" scan --no-color --show-ignored O0/legacy_cxx.o
assert_golden scan/O0/app-nopie.ignored.txt "$CONFINE" scan --no-color --show-ignored O0/app-nopie
