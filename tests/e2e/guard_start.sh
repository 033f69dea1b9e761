# Runtime guard start-up and repeated violations: a module without a build-id is analysed once
# and cached under its content key (device, inode, size, mtime, headers); patch plans are cached
# beside the policy and give the same patches as planning afresh, also when the cached plans are
# stale or corrupt; a violation repeated from one site is reported once and the site is checked
# again after a change of ownership (fixtures/guard/quiet.c).
cd "$TMP" || exit 1
export XDG_CACHE_HOME="$TMP/xdg"
cache="$XDG_CACHE_HOME/confine"

# A legacy library linked without a build-id, and a program calling it from main only.
cat >legacy.c <<'EOF'
static int counter;
static char *last;
int legacy_tick(void) { return ++counter; }
void legacy_keep(char *s) { last = s; }
char *legacy_last(void) { return last; }
EOF
cat >app.c <<'EOF'
#include <stdio.h>
int legacy_tick(void);
int main(void) { legacy_tick(); printf("%d\n", legacy_tick()); return 0; }
EOF
cc -O2 -fPIC -shared -Wl,--build-id=none -o libnobid.so legacy.c || fail "cannot build libnobid.so"
cc -O2 -o app app.c -L. -lnobid -Wl,-rpath,"$TMP" || fail "cannot build app"
readelf -n libnobid.so | grep -q 'Build ID' && fail "libnobid.so has a build-id"

start() { # LABEL: the program under the guard, verbose; stdout+stderr in $TMP/LABEL
	CONFINE_OPTIONS=verbosity=1 LD_PRELOAD="$GUARD_LIB" ./app >"$TMP/$1" 2>&1 || fail "$1: exit $?"
	sed -E 's/==[0-9]+==/==PID==/' "$TMP/$1" | grep -v 'summary\|claim\|bound' >"$TMP/$1.n"
}
start first
grep -q 'libnobid.so: 3 functions confined' first.n || fail "first start: $(cat first.n)"
set -- "$cache"/c*.*.*.policy   # content keys: cDEV.INODE.SIZE...
[ $# = 1 ] && [ -f "$1" ] || fail "no content-keyed policy in $cache: $(ls "$cache")"
policy=$1
plans=${policy%.policy}.plans
[ -s "$plans" ] || fail "no plans beside $policy"
touch -d '2001-01-01' "$policy" "$plans"
before=$(stat -c %Y "$policy" "$plans")
start second
cmp -s first.n second.n || fail "second start differs: $(diff first.n second.n)"
[ "$(stat -c %Y "$policy" "$plans")" = "$before" ] || fail "second start analysed or planned again"
# Plans that no longer fit the bytes (a corrupted hash) are made again, with the same patches.
python3 - "$plans" <<'EOF'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
head = data.index(b"\n") + 1
for i in range(head, head + 8):
    data[i] ^= 0xff
open(p, "wb").write(data)
EOF
start stale
cmp -s first.n stale.n || fail "start with a stale plan differs: $(diff first.n stale.n)"
[ "$(stat -c %Y "$plans")" != 2001 ] || fail "stale plans were not rewritten"
printf 'confine plans 1 garbage\n\001\002' >"$plans"
start corrupt
cmp -s first.n corrupt.n || fail "start with corrupt plans differs: $(diff first.n corrupt.n)"
# A changed file (another mtime) is another module: analysed again, under another key.
touch -d '2002-02-02' libnobid.so
start changed
cmp -s first.n changed.n || fail "start after touch differs"
[ "$(ls "$cache"/c*.*.*.policy | wc -l)" = 2 ] || fail "a changed module reused the old key: $(ls "$cache")"

# Quiet sites: 1000 calls from one site give one report; after the release the same site binds
# the domain, so main's next call is the second report.
CONFINE_OPTIONS=patch=0 LD_PRELOAD="$GUARD_LIB" "$FX/guard/O2/quiet" >quiet.out 2>quiet.err
[ $? = 66 ] || fail "quiet: exit not 66"
[ "$(grep -c '^SUMMARY: ' quiet.err)" = 2 ] || fail "quiet: $(grep -c '^SUMMARY: ' quiet.err) reports, want 2: $(grep SUMMARY quiet.err)"
grep -q "^SUMMARY: confine: cross-thread-call gmtime in libc:tmbuf (thread T2 'intruder' (tid=[0-9]*), owner T1 'owner-main'" quiet.err ||
	fail "quiet: no report of the intruder: $(grep SUMMARY quiet.err)"
grep -q "^SUMMARY: confine: cross-thread-call localtime in libc:tmbuf (thread T1 'owner-main' (tid=[0-9]*), owner T2 'intruder'" quiet.err ||
	fail "quiet: the intruder's call after the release did not bind the domain: $(grep SUMMARY quiet.err)"
