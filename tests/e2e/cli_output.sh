# -o FILE of every command: the file is replaced at once, never left partial or empty. confine
# policy with an unusable input exits 2 and writes nothing (as confine baseline), keeping an
# earlier policy; -o also takes a device such as /dev/stdout.
cd "$TMP" || exit 1
echo "not ELF" >junk
lib="$FX/O2/liblegacy.so"

assert_exit 2 "$CONFINE" policy -o new.policy junk "$lib"
[ -e new.policy ] && fail "policy with an unusable input left new.policy"
echo "confine: error: junk: not an ELF file or archive" | cmp -s - "$TMP/exit.err" ||
	fail "policy stderr: $(cat "$TMP/exit.err")"
assert_exit 2 "$CONFINE" policy junk "$lib"
[ -s "$TMP/exit.out" ] && fail "policy with an unusable input wrote to stdout"

assert_exit 0 "$CONFINE" policy -o old.policy "$lib"
cp old.policy saved.policy
assert_exit 2 "$CONFINE" policy -o old.policy "$lib" junk
cmp -s old.policy saved.policy || fail "policy with an unusable input changed the earlier policy"

# An unwritable place: exit 2, one line, nothing left behind.
assert_exit 2 "$CONFINE" policy -o nodir/p.policy "$lib"
echo "confine: nodir/p.policy: cannot write: No such file or directory" | cmp -s - "$TMP/exit.err" ||
	fail "policy -o nodir/: stderr '$(cat "$TMP/exit.err")'"

assert_exit 0 "$CONFINE" scan -o scan.txt "$lib"
"$CONFINE" scan -o /dev/stdout "$lib" | cmp -s - scan.txt || fail "scan -o /dev/stdout differs from -o FILE"
# A symlink is written through, never replaced by a file: -o /dev/stdout (a link to
# /proc/self/fd/1) with stdout redirected to a file, or a link to a baseline kept elsewhere. A
# pipe or device has no old baseline to read (reading it would wait for confine's own output).
"$CONFINE" baseline "$lib" >base.txt 2>/dev/null || fail "baseline to stdout failed"
ln -s /proc/self/fd/1 out.link
assert_exit 0 "$CONFINE" baseline -o out.link "$lib"
[ -L out.link ] || fail "baseline -o LINK to stdout replaced the link"
cmp -s base.txt "$TMP/exit.out" || fail "baseline -o LINK to stdout (a file) differs from stdout"
timeout 60 "$CONFINE" baseline -o out.link "$lib" 2>/dev/null | cat >piped.txt
cmp -s base.txt piped.txt || fail "baseline -o LINK to stdout (a pipe) differs or hung"
ln -s kept.txt kept.link
assert_exit 0 "$CONFINE" baseline -o kept.link "$lib"
[ -L kept.link ] && cmp -s base.txt kept.txt || fail "baseline -o LINK did not write through the link"
ln -s kept.json json.link
assert_exit 0 "$CONFINE" scan --format json -o json.link "$lib"
[ -L json.link ] && [ -s kept.json ] || fail "scan --format json -o LINK did not write through the link"
rm -f out.link kept.link json.link base.txt piped.txt kept.txt kept.json
left=$(ls | grep -v -x -e junk -e old.policy -e saved.policy -e scan.txt -e exit.out -e exit.err)
[ -z "$left" ] || fail "temporary files left: $left"
