# confine scan on inputs that once went wrong quietly (issue 12, item 5), each made here in $TMP:
# an archive whose member header is corrupt (reported, and the members after it still scanned),
# a path with a newline or other control characters (one line per report header and error),
# and an object with more than 0xff00 sections (symbols found through SHT_SYMTAB_SHNDX).
cd "$TMP" || exit 1
T="timeout 120"

# --- archives with a corrupt member header ------------------------------------------------------
printf 'int a1;\n' >a.c
printf 'int b1;\n' >b.c
printf 'int c1;\n' >c.c
cc -c a.c b.c c.c || fail "cannot compile the archive members"
ar rcS lib.a a.o b.o c.o || fail "cannot make lib.a"

# corrupt NAME OFFSET SIZEFIELD: a copy of lib.a whose member header at OFFSET holds SIZEFIELD
# (10 characters) as its size.
corrupt() {
	cp lib.a "$1"
	printf '%s' "$3" | dd of="$1" bs=1 seek=$(($2 + 48)) conv=notrunc 2>/dev/null
}
# The offsets of the three member headers (ar rcS: no symbol index).
b_off=$(( 8 + 60 + $(stat -c %s a.o) + ($(stat -c %s a.o) & 1) ))
c_off=$(( b_off + 60 + $(stat -c %s b.o) + ($(stat -c %s b.o) & 1) ))

# expect_archive FILE STDERR...: exit 2, stderr exactly the given lines, and the report
# headers of a.o and c.o (never b.o) on stdout.
expect_archive() {
	f=$1
	shift
	$T "$CONFINE" scan --no-color "$f" >ar.out 2>ar.err
	st=$?
	[ "$st" = 2 ] || fail "$f: exit $st, want 2"
	printf '%s\n' "$@" >ar.want
	diff -u ar.want ar.err >&2 || fail "$f: stderr differs"
	grep -v '^ \|^$' ar.out | grep -v '^summary:' >ar.heads
	printf '%s\n' "$f(a.o)  (relocatable, no debug info)" "$f(c.o)  (relocatable, no debug info)" >ar.hwant
	diff -u ar.hwant ar.heads >&2 || fail "$f: the members reported differ"
}

corrupt digits.a $b_off '8x2       '
expect_archive digits.a "confine: error: digits.a: corrupt archive: bad member header at offset $b_off (its size or end marker); the members from offset $c_off on are scanned"
corrupt big.a $b_off '99999999  '
expect_archive big.a "confine: error: big.a: corrupt archive: bad member header at offset $b_off (its size or end marker); the members from offset $c_off on are scanned"
corrupt small.a $b_off '100       '
expect_archive small.a \
	"confine: error: small.a(b.o): truncated or corrupt: its header tables extend beyond the end of the file" \
	"confine: error: small.a: corrupt archive: bad member header at offset $((b_off + 160)) (its size or end marker); the members from offset $c_off on are scanned"

# The last member's header broken: nothing follows, and the earlier members are reported.
corrupt last.a $c_off 'x         '
$T "$CONFINE" scan --no-color last.a >last.out 2>last.err
st=$?
[ "$st" = 2 ] || fail "last.a: exit $st, want 2"
assert_line last.err "confine: error: last.a: corrupt archive: bad member header at offset $c_off (its size or end marker); no member follows it"
assert_line last.out "last.a(b.o)  (relocatable, no debug info)"

# An intact archive: all three, nothing on stderr.
assert_exit 0 $T "$CONFINE" scan --no-color lib.a
[ -s "$TMP/exit.err" ] && fail "lib.a: unexpected stderr: $(head -c 300 "$TMP/exit.err")"
[ "$(grep -c '^lib.a(' "$TMP/exit.out")" = 3 ] || fail "lib.a: not 3 members"

# --- control characters in paths ---------------------------------------------------------------
nl='new
line.o'
cp a.o "$nl"
cp a.o "$(printf 'tab\tbell\007.o')"
printf 'junk\n' >"$(printf 'bad\nname.txt')"
$T "$CONFINE" scan --no-color "$nl" "$(printf 'tab\tbell\007.o')" >cc.out 2>cc.err
st=$?
[ "$st" = 0 ] || fail "control characters: exit $st, want 0"
assert_line cc.out 'new\nline.o  (relocatable, no debug info)'
assert_line cc.out 'tab\tbell\x07.o  (relocatable, no debug info)'
[ "$(grep -c 'relocatable' cc.out)" = 2 ] || fail "control characters: not two report headers"
$T "$CONFINE" scan --no-color "$(printf 'bad\nname.txt')" >cc.out 2>cc.err
st=$?
[ "$st" = 2 ] || fail "bad\\nname.txt: exit $st, want 2"
printf 'confine: error: bad\\nname.txt: not an ELF file or archive\n' >cc.want
diff -u cc.want cc.err >&2 || fail "bad\\nname.txt: stderr is not one line"

# --- more than 0xff00 sections --------------------------------------------------------------------
awk 'BEGIN {
	for (i = 0; i < 65300; i++)
		printf "\t.section .d%d,\"aw\"\n\t.byte 1\n", i
	print "\t.section .data.last,\"aw\"\n\t.align 4\n\t.type counter,@object\n\t.size counter,4"
	print "counter:\n\t.long 1\n\t.text\n\t.globl bump\n\t.type bump,@function"
	print "bump:\n\taddl $1, counter(%rip)\n\tret\n\t.size bump,.-bump"
}' >many.s
cc -c many.s -o many.o || fail "cannot assemble many.s"
[ "$(readelf -h many.o | sed -n 's/.*Number of section headers: *0 (\([0-9]*\))/\1/p')" = 65310 ] ||
	fail "many.o does not have 65310 sections"
$T "$CONFINE" scan --no-color many.o >many.out 2>many.err
st=$?
[ "$st" = 0 ] || fail "many.o: exit $st, want 0"
cat >many.want <<'WANT'
many.o  (relocatable, no debug info)
  function bump  [guard]
    -                        mutable-static       counter  reads, writes  (.data.last, 4 bytes)
  1 finding (1 mutable-static); 1 function to guard, 0 reaching them through calls, 0 init-only

WANT
diff -u many.want many.out >&2 || fail "many.o: report differs"
