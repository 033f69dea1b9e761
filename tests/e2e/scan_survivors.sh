# Behaviour that no other fixture pins (each checked to fail with its code broken):
# - chain: a call path of three hops is named in full ([via hop1 -> hop2 -> touch]);
# - callback_table: a callback in a data table, also called by a constructor, is not init-only;
# - librelro: a writable section inside PT_GNU_RELRO under an unusual name (a linker script) is
#   read-only after start-up, found by address;
# - tls_anon: a thread-local section reached without a TLS symbol (through the section symbol;
#   stripped and without RELRO in the library) is never a finding;
# - midjump: a tail jump into the middle of another function is not a call.
cd "$FX/survivors" || exit 1
for f in chain.o libchain.so callback_table.o libcallback_table.so librelro.so tls_anon.o \
	libtls_anon-stripped.so midjump.o libmidjump.so; do
	assert_golden "survivors/$f.txt" "$CONFINE" scan --no-color --show-ignored "$f"
done
# The parts each golden file pins, said once more as exact lines.
"$CONFINE" scan --no-color chain.o >"$TMP/chain.txt"
assert_line "$TMP/chain.txt" "  function entry  [via hop1 -> hop2 -> touch]"
"$CONFINE" scan --no-color libcallback_table.so >"$TMP/cb.txt"
assert_line "$TMP/cb.txt" "  function on_event  [guard]"
"$CONFINE" scan --no-color --show-ignored librelro.so >"$TMP/relro.txt"
assert_no_match "$TMP/relro.txt" "mutable-global +lookup"
"$CONFINE" scan --no-color libtls_anon-stripped.so >"$TMP/tls.txt"
assert_line "$TMP/tls.txt" "  1 finding (1 mutable-static); 1 function to guard, 0 reaching them through calls, 0 init-only"
"$CONFINE" scan --no-color midjump.o >"$TMP/mid.txt"
assert_no_match "$TMP/mid.txt" "function skipper"
