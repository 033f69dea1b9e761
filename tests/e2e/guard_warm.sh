# Runtime guard warm start (the cache holds the module's policy and plans): the decoders
# (capstone, Zydis) are loaded only by a start that analyses or plans, not by a warm one.
cd "$TMP" || exit 1
export XDG_CACHE_HOME="$TMP/xdg"
app="$FX/patch/O2-pie-cet/app"

run() { # LABEL: the fixture under the guard with the loader's file log; output in $TMP/LABEL
	LD_DEBUG=files CONFINE_OPTIONS=verbosity=1 LD_PRELOAD="$GUARD_LIB" "$app" >"$TMP/$1" 2>&1
}
run cold
grep -q 'liblegacy.so: 10 functions confined' cold || fail "cold start: $(grep confine: cold)"
grep -q 'file=libcapstone.*dynamically loaded by' cold ||
	fail "cold start: capstone not loaded on demand: $(grep 'file=' cold | head -20)"
run warm
grep -q 'liblegacy.so: 10 functions confined' warm || fail "warm start: $(grep confine: warm)"
grep 'file=libcapstone\|file=libZydis' warm && fail "warm start loaded a decoder"
