# The progress line on a terminal (stderr a pty, through script(1)): after half a second it names
# the file and the analysis stage, and within a large file's decoding it shows a percentage that
# moves; it is erased at the end. gcc's cc1 (30 MB, present wherever confine builds) takes more
# than a second to decode on one thread, so several 100 ms ticks fall inside its decoding.
cc1=$(gcc -print-prog-name=cc1)
[ -f "$cc1" ] || fail "no cc1 at '$cc1'"
script -qec "\"$CONFINE\" scan -j1 \"$cc1\" >/dev/null" /dev/null >"$TMP/pty" 2>&1 ||
	fail "scan of $cc1 on a terminal failed: $(tail -c 300 "$TMP/pty")"
# One line per redraw: "\r" starts each, "ESC[K" ends it.
tr '\r' '\n' <"$TMP/pty" | sed 's/\x1b\[K$//' >"$TMP/lines"
name="confine: 0/1 done; $cc1"
grep -qxE "$name: decoding [0-9]+% \([0-9]+ s\)" "$TMP/lines" ||
	fail "no decoding line for $cc1: $(sort -u "$TMP/lines" | head -5)"
n=$(grep -xE "$name: decoding [0-9]+% \([0-9]+ s\)" "$TMP/lines" | sed 's/.*decoding \([0-9]*\)%.*/\1/' | sort -un | wc -l)
[ "$n" -ge 2 ] || fail "the decoding percentage did not move ($n distinct values)"
# Nothing else on the terminal, and the line is erased at the end.
other=$(grep -vxE "|confine: [01]/1 done(; $cc1: [a-zA-Z ]+( [0-9]+%)?)? \([0-9]+ s\)" "$TMP/lines")
[ -z "$other" ] || fail "other lines on the terminal: $(echo "$other" | head -3)"
[ "$(tail -c 4 "$TMP/pty" | od -An -c | tr -d ' ')" = '\r033[K' ] ||
	fail "the progress line is not erased: $(tail -c 20 "$TMP/pty" | od -An -c)"
