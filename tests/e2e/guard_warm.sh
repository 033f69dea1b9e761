# Runtime guard warm start (the cache holds the module's policy, packed, and its plans): the
# decoders (capstone, Zydis) are loaded only by a start that analyses or plans, not by a warm
# one; a damaged entry is said in one line, analysed again and rewritten.
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

# A damaged entry (one byte short): one line, the module analysed again, the entry rewritten.
bid=$(readelf -n "$FX/patch/O2-pie-cet/liblegacy.so" | sed -n 's/.*Build ID: //p')
entry="$XDG_CACHE_HOME/confine/$bid.policy"
[ -s "$entry" ] || fail "no cache entry $entry: $(ls "$XDG_CACHE_HOME/confine")"
head -c -1 "$entry" >"$TMP/short" && cat "$TMP/short" >"$entry"
run damaged
[ "$(grep -c 'confine: cache entry' damaged)" = 1 ] || fail "damaged entry: want one line: $(grep confine: damaged)"
grep -qE "^==[0-9]+== confine: cache entry $entry is damaged \(its size is not the one recorded\): analyzing .*/liblegacy.so again$" damaged ||
	fail "damaged entry: $(grep 'cache entry' damaged)"
grep -q 'liblegacy.so: 10 functions confined' damaged || fail "damaged entry: $(grep confine: damaged)"
run rewritten
grep -q 'cache entry\|file=libcapstone' rewritten && fail "the damaged entry was not rewritten"
grep -q 'liblegacy.so: 10 functions confined' rewritten || fail "after the rewrite: $(grep confine: rewritten)"
