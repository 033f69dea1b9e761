# Memory: a relocatable object is mapped, not copied. A 512 MiB .o whose .data is a hole in the
# file (sparse, never read by the analysis) scans in at most 1.2x its size, in fact under 64 MiB
# (a copy made for libdwfl took twice the file).
cd "$TMP" || exit 1
size=536870912
cat >big.s <<'ASM'
	.text
	.globl touch
	.type touch,@function
touch:
	movl $1, table(%rip)
	ret
	.size touch,.-touch
	.data
	.globl table
	.type table,@object
	.size table,4
table:
	.long 0
ASM
cc -c -o big.o big.s || fail "cannot assemble big.s"
# Moves .data to the end of the file and grows it to $size bytes of hole (header fields only).
python3 - big.o "$size" <<'PY' || fail "cannot grow big.o"
import os, struct, sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    b = f.read()
    shoff, = struct.unpack_from("<Q", b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)
    strtab_off, = struct.unpack_from("<Q", b, shoff + shstrndx * shentsize + 0x18)
    for i in range(shnum):
        h = shoff + i * shentsize
        name = struct.unpack_from("<I", b, h)[0] + strtab_off
        if b[name:name + 6] == b".data\0":
            off = (len(b) + 4095) // 4096 * 4096
            f.seek(h + 0x18)
            f.write(struct.pack("<QQ", off, size))
            f.truncate(off + size)
            sys.exit(0)
sys.exit(1)
PY
[ "$(stat -c %s big.o)" -gt "$size" ] || fail "big.o is not bigger than $size bytes"
# maxrss KIB: the peak resident memory of the scan, in KiB.
python3 - "$CONFINE" big.o >rss.out 2>rss.err <<'PY'
import resource, subprocess, sys
r = subprocess.run([sys.argv[1], "scan", "--format", "json", sys.argv[2]], stdout=open("big.json", "w"))
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
read -r st rss <rss.out
[ "$st" = 0 ] || fail "scan of the sparse .o: exit $st, want 0 ($(head -c 300 rss.err))"
grep -q '"symbol": "table"' big.json || fail "the sparse .o's finding 'table' is missing"
[ "${rss:-0}" -gt 0 ] || fail "no peak memory measured"
[ "${rss:-0}" -le $((size / 1024 * 12 / 10)) ] || fail "peak memory ${rss} KiB is over 1.2x the file ($((size / 1024)) KiB)"
[ "${rss:-0}" -le 65536 ] || fail "peak memory ${rss} KiB is over 64 MiB for a file that is a hole"
