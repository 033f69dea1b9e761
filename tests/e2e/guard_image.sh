# Runtime guard code images: the first start writes KEY.code (the module's code, patched); a warm
# start maps it over the module instead of writing the patches, with the same results and reports,
# and falls back to writing them, said in one line at verbosity=2, whenever the image cannot
# serve: another version of the file, a damaged image, a cache on a noexec mount, code relocated
# in memory (text relocations), other threads running (dlopen).
root=$PWD
cd "$TMP" || exit 1
export XDG_CACHE_HOME="$TMP/xdg"

# A legacy-style library of 240 functions (60 with a static of their own: 60 patched pages), a
# program calling one of them on main and then on a second thread (one report, exit 66) and
# printing how many code images it has mapped.
sh "$root/bench/gen_biglib.sh" 240 >big.c
gcc -O0 -fPIC -shared -o libtbig.so big.c || fail "cannot build libtbig.so"
cat >app.c <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static int (*big0)(int, int);
#ifndef LATE
int big_0(int, int);
#endif
static int fds[2];
static void *other(void *a) { (void)a; big0(1, 2); return NULL; }
static void *idle(void *a) { char c; (void)a; return read(fds[0], &c, 1) ? NULL : NULL; }
int main(int argc, char **argv)
{
	char l[512];
	int images = 0, sum = 0;
	pthread_t t, w;
	FILE *f;

#ifdef LATE
	/* The library is loaded while another thread runs. */
	if (pipe(fds) || pthread_create(&w, NULL, idle, NULL))
		return 1;
	big0 = (int (*)(int, int))dlsym(dlopen("./libtbig.so", RTLD_NOW), "big_0");
#else
	big0 = big_0;
#endif
	f = fopen("/proc/self/maps", "r");
	while (fgets(l, sizeof(l), f))
		images += strstr(l, ".code\n") && strstr(l, " r-xp ");
	fclose(f);
	for (int i = 0; i < 5; i++)
		sum += big0(i, 7);
	printf("code images mapped: %d\nbig_0: %d\n", images, sum);
#ifdef TEXTREL
	int big_1(int, int);
	int (**word)(int, int) = (int (**)(int, int))dlsym(RTLD_DEFAULT, "tr_word");

	printf("through tr_word: %d\nbig_1: %d\n", (*word)(5, 6), big_1(5, 6));
#endif
	fflush(stdout);
	pthread_create(&t, NULL, other, NULL);
	pthread_join(t, NULL);
#ifdef LATE
	(void)!write(fds[1], "x", 1);
	pthread_join(w, NULL);
#endif
	(void)argc;
	(void)argv;
	return 0;
}
EOF
gcc -O1 -o app app.c -L. -ltbig -Wl,-rpath,'$ORIGIN' -pthread || fail "cannot build app"
gcc -O1 -DLATE -o app_late app.c -pthread -ldl || fail "cannot build app_late"
want_sum=$(./app | grep '^big_0:')
bid=$(readelf -n libtbig.so | sed -n 's/.*Build ID: //p')
image="$XDG_CACHE_HOME/confine/$bid.code"

# guarded NAME [GUARD] [OPTIONS] [PROGRAM]: app (or PROGRAM) under the guard at verbosity=2,
# confining libtbig.so only; output in NAME, with "exit N" last.
guarded() {
	CONFINE_OPTIONS="verbosity=2:modules=*/libtbig.so${3:+:$3}" LD_PRELOAD="${2:-$GUARD_LIB}" ./${4:-app} >"$1" 2>&1
	echo "exit $?" >>"$1"
}
# expect NAME IMAGES: the program's sum, one report bound at big_0 in libtbig.so, exit 66, and
# IMAGES code images mapped.
expect() {
	grep -qxF "$want_sum" "$1" || fail "$1: want '$want_sum': $(grep big_0: "$1")"
	[ "$(grep -c 'confine: thread-confinement violation' "$1")" = 1 ] || fail "$1: want one report: $(head -c 600 "$1")"
	grep -qx '  cross-thread-call: big_0 (libtbig.so) in domain libtbig.so' "$1" || fail "$1: $(head -c 600 "$1")"
	grep -qE '^    #0 0x[0-9a-f]+ (big_0 )?\(libtbig.so\+0x[0-9a-f]+\)$' "$1" ||
		fail "$1: the bound-at frame is not big_0 in libtbig.so: $(grep -A1 'bound at' "$1")"
	grep -qx "code images mapped: $2" "$1" || fail "$1: want $2 images mapped: $(grep 'code images' "$1")"
	grep -qx 'exit 66' "$1" || fail "$1: $(tail -1 "$1")"
}
# why NAME REASON: the image was not mapped, for REASON.
why() {
	grep -qE "^==[0-9]+== confine: libtbig.so: patched code not mapped from the cache: $2$" "$1" ||
		fail "$1: want 'not mapped: $2': $(grep 'confine: libtbig' "$1")"
	grep -q 'mapped from the cache (' "$1" && fail "$1: mapped"
}
mapped() {
	grep -qE '^==[0-9]+== confine: libtbig.so: patched code mapped from the cache \(60 pages\)$' "$1" ||
		fail "$1: not mapped: $(grep 'confine: libtbig' "$1")"
	grep -qE '^==[0-9]+== confine: libtbig.so: the code image vouches for the cached plans: the code is not read$' "$1" ||
		fail "$1: the cached plans were checked against the code: $(grep 'confine: libtbig' "$1")"
}

guarded cold
expect cold 0
why cold 'there is no image in the cache'
[ "$(head -c 15 "$image")" = "confine code 1" ] || fail "no image written: $(ls "$XDG_CACHE_HOME/confine")"
guarded warm
expect warm 1
mapped warm
# The report path's own symbolizer (no helper beside this copy of the guard) names the module too.
mkdir -p copy/lib && cp "$GUARD_LIB" copy/lib/
guarded alone "$TMP/copy/lib/libconfine_guard.so"
expect alone 1
grep -qE '^    #0 0x[0-9a-f]+ \(libtbig.so\+0x[0-9a-f]+\)$' alone || fail "alone: $(grep -A1 'bound at' alone)"
guarded off "" code_cache=0
expect off 0
grep -q 'patched code' off && fail "code_cache=0: $(grep 'patched code' off)"

# Another version of the file (its mtime): written again, then mapped.
touch -d '2001-01-01' libtbig.so
guarded touched
expect touched 0
why touched 'it was made from another version of the file'
guarded retouched
expect retouched 1
mapped retouched
# A damaged image (a page short): refused, written again, then mapped.
head -c -4096 "$image" >short && cat short >"$image"
guarded damaged
expect damaged 0
why damaged 'the file is shorter than its runs'
guarded repaired
expect repaired 1
mapped repaired

# Other threads run: the code changes under them through int3s, never by mapping.
guarded late "" "" app_late
guarded late "" "" app_late
expect late 0
grep -q 'patched code' late && fail "late: $(grep 'patched code' late)"

# A cache on a noexec mount: the image is written but cannot be mapped as code.
mkdir -p noexec
unshare -rm sh -c 'mount -t tmpfs -o noexec none "$1" && shift && for run in first second; do
	XDG_CACHE_HOME="$0" CONFINE_OPTIONS="verbosity=2:modules=*/libtbig.so" LD_PRELOAD="$GUARD_LIB" ./app >"$run" 2>&1; echo "exit $?" >>"$run"
	mv "$run" "noexec.$run"; done' "$TMP/noexec" "$TMP/noexec" || fail "noexec: cannot mount"
expect noexec.first 0
expect noexec.second 0
why noexec.second "the cache's file system does not allow mapping code"

# Text relocations: the loader wrote big_1's address into big_0's code page, so the file's bytes
# are not the code, and no image is made (one would hold the word unrelocated: the call through
# it would crash).
sed '/^int big_0(int x, int y)$/,/^{$/ { /^{$/ a\
\t__asm__ volatile("jmp 1f\\n.globl tr_word\\ntr_word: .quad big_1\\n1:");
}' big.c >bigtr.c
gcc -O0 -fPIC -shared -Wl,-z,notext -o libtbig.so bigtr.c || fail "cannot build the text-relocated libtbig.so"
readelf -d libtbig.so | grep -q TEXTREL || fail "libtbig.so has no text relocations"
gcc -O1 -DTEXTREL -o app app.c -L. -ltbig -Wl,-rpath,'$ORIGIN' -pthread || fail "cannot build app (TEXTREL)"
want_sum=$(./app | grep '^big_0:')
[ "$(./app | grep '^through tr_word:')" = "through tr_word: $(./app | sed -n 's/^big_1: //p')" ] ||
	fail "the program cannot call through tr_word: $(./app)"
guarded textrel
expect textrel 0
guarded textrel2
expect textrel2 0
grep -qx "through tr_word: $(./app | sed -n 's/^big_1: //p')" textrel2 || fail "textrel2: $(grep tr_word textrel2)"
why textrel2 'there is no image in the cache'
bid=$(readelf -n libtbig.so | sed -n 's/.*Build ID: //p')
[ -e "$XDG_CACHE_HOME/confine/$bid.code" ] && fail "an image was made of text-relocated code"
