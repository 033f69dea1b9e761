# Runtime guard under load: 32 client threads funnel 100k calls each through one executor thread
# (fixtures/guard/funnel.c). Confined, nothing is reported; with a stray call from every client
# (one call site, repeated), exactly one deduplicated report names it. The program's own code
# (its queue) is not what is confined here: patch=0.
export CONFINE_OPTIONS=patch=0
for opt in O0 O2; do
	"$CONFINE" run -- "$FX/guard/$opt/funnel" 32 100000 >"$TMP/out" 2>"$TMP/err"
	status=$?
	[ "$status" = 0 ] || fail "$opt confined: exit $status"
	[ ! -s "$TMP/err" ] || fail "$opt confined: reports: $(head -5 "$TMP/err")"
	assert_line "$TMP/out" "executed 3200000 calls"

	"$CONFINE" run -- "$FX/guard/$opt/funnel" 32 100000 stray >"$TMP/out" 2>"$TMP/err"
	status=$?
	[ "$status" = 66 ] || fail "$opt stray: exit $status"
	n=$(grep -c 'confine: thread-confinement violation' "$TMP/err")
	[ "$n" = 1 ] || fail "$opt stray: $n reports, want exactly 1"
	grep -q "^  cross-thread-call: localtime (libc.so.6) in domain libc:tmbuf$" "$TMP/err" ||
		fail "$opt stray: report does not name localtime in libc:tmbuf"
	grep -qE "^    #0 0x[0-9a-f]+ stray_call fixtures/guard/funnel.c:[0-9]+ \(funnel\+0x[0-9a-f]+\)$" "$TMP/err" ||
		fail "$opt stray: frame #0 is not stray_call: $(grep '#0' "$TMP/err")"
	grep -qE "^  domain libc:tmbuf is owned by thread T2 'executor' \(tid=[0-9]+\), bound at:$" "$TMP/err" ||
		fail "$opt stray: owner is not the executor"
	assert_line "$TMP/out" "executed 3200000 calls"
done
