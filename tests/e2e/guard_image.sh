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
		images += strstr(l, ".code") && strstr(l, " r-xp ");   /* also "(deleted)" */
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
#ifdef PAUSE
	/* Until told to go on: meanwhile the test replaces the image file. */
	for (int i = 0; i < 6000 && access("go", F_OK); i++)
		usleep(10000);
#endif
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
gcc -O1 -DPAUSE -o app_pause app.c -L. -ltbig -Wl,-rpath,'$ORIGIN' -pthread || fail "cannot build app_pause"
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

# Another start replaced the image file while this one runs: /proc/self/maps then says
# "KEY.code (deleted)"; reports still name the module.
# replaced NAME GUARD: app_pause under GUARD; its image file is replaced while it waits.
replaced() {
	rm -f go
	CONFINE_OPTIONS="modules=*/libtbig.so" LD_PRELOAD="$2" ./app_pause >"$1" 2>&1 &
	pid=$!
	for i in $(seq 600); do grep -q 'code images mapped' "$1" && break; sleep 0.05; done
	cp "$image" new.code && mv new.code "$image"
	touch go
	wait $pid
	echo "exit $?" >>"$1"
	expect "$1" 1
}
replaced replaced "$GUARD_LIB"
replaced replaced_alone "$TMP/copy/lib/libconfine_guard.so"
grep -qE '^    #0 0x[0-9a-f]+ \(libtbig.so\+0x[0-9a-f]+\)$' replaced_alone || fail "replaced_alone: $(grep -A1 'bound at' replaced_alone)"
# A FIFO in the image's place is refused at once, never waited on.
rm "$image" && mkfifo "$image"
timeout 60 sh -c 'CONFINE_OPTIONS="verbosity=2:modules=*/libtbig.so" LD_PRELOAD="$GUARD_LIB" ./app >fifo 2>&1; echo "exit $?" >>fifo'
expect fifo 0
why fifo 'it is of another format'
guarded refilled
expect refilled 1
mapped refilled
# The same for the plans and the policy beside it: planned and analysed afresh (the image still
# serves), not waited on; an image made with the old plans is made again, to vouch for the new
# ones at the next start.
for kind in plans policy; do
	rm "${image%.code}.$kind" && mkfifo "${image%.code}.$kind"
	timeout 60 sh -c 'CONFINE_OPTIONS="verbosity=2:modules=*/libtbig.so" LD_PRELOAD="$GUARD_LIB" ./app >fifo 2>&1; echo "exit $?" >>fifo'
	expect fifo 1
	[ $kind = policy ] || ! grep -q 'vouches' fifo || fail "fifo in place of the $kind: $(grep 'confine: libtbig' fifo)"
	[ -f "${image%.code}.$kind" ] || fail "the $kind were not written again"
	guarded "after_$kind"
	expect "after_$kind" 1
	mapped "after_$kind"
done

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

# Another choice of functions, as many and of the same size and shape (fa_* and fb_*, one page
# each, told apart only by their static's address): the image and the plans made for one
# choice must not serve the other (each plan is bound to its function's address).
awk 'BEGIN { for (i = 0; i < 30; i++) for (j = 0; j < 2; j++)
	printf "static int s%c_%d; __attribute__((aligned(4096))) int f%c_%d(int x) { int v = s%c_%d; s%c_%d = v + x; return v; }\n",
		97 + j, i, 97 + j, i, 97 + j, i, 97 + j, i }' >ab.c
gcc -O2 -fPIC -shared -o libab.so ab.c || fail "cannot build libab.so"
cat >app_ab.c <<'EOF'
#include <stdio.h>
int fa_0(int), fa_29(int), fb_0(int), fb_29(int);
int main(void)
{
	int r = 0;

	for (int i = 1; i <= 3; i++)
		r = r * 10 + fa_0(i) + fb_0(i) + fb_29(i) + fa_29(i);
	printf("result %d\n", r);
	return 0;
}
EOF
gcc -O1 -o app_ab app_ab.c -L. -lab -Wl,-rpath,'$ORIGIN' || fail "cannot build app_ab"
want=$(./app_ab)
for choice in 'fa_*' 'fa_*' 'fb_*' 'fb_*'; do
	got=$(CONFINE_OPTIONS="verbosity=2:modules=*/libab.so:confine=selected:functions=$choice" LD_PRELOAD="$GUARD_LIB" \
		./app_ab 2>choice)
	[ "$?.$got" = "0.$want" ] || fail "functions=$choice: '$got', want '$want': $(grep 'confine: libab' choice)"
	grep -q 'libab.so: 30 functions confined' choice || fail "functions=$choice: $(grep 'confined' choice)"
	cat choice >>choices
done
[ "$(grep -c 'patched code mapped from the cache' choices)" = 2 ] ||
	fail "each choice's second start maps its own image: $(grep 'confine: libab' choices)"

# A module whose data lies far beyond its code (1.7 GiB of .bss, reached RIP-relative from a
# function's first instruction): the trampolines go near the module, not at the fixed distance
# from which that data would be out of reach; every function is confined at every start.
cat >far.s <<'EOF'
	.local arr
	.comm arr,0x6b000000,64
	.text
	.globl far_fn
	.type far_fn,@function
far_fn:
	addl $1, arr+0x6a000000(%rip)
	movl arr+0x6a000000(%rip), %eax
	ret
	.size far_fn, .-far_fn
	.section .note.GNU-stack,"",@progbits
EOF
gcc -O0 -fPIC -shared -o libfar.so big.c far.s || fail "cannot build libfar.so"
printf '#include <stdio.h>\nint far_fn(void), big_0(int, int);\nint main(void) { int a = far_fn(); a += far_fn(); printf("far %%d big %%d\\n", a, big_0(1, 2)); return 0; }\n' >app_far.c
gcc -O1 -o app_far app_far.c -L. -lfar -Wl,-rpath,'$ORIGIN' || fail "cannot build app_far"
want=$(./app_far)
for run in 1 2; do
	got=$(CONFINE_OPTIONS="verbosity=1:modules=*/libfar.so" LD_PRELOAD="$GUARD_LIB" ./app_far 2>far.err)
	[ "$?.$got" = "0.$want" ] || fail "far data, start $run: '$got', want '$want'"
	grep -q 'libfar.so: 61 functions confined (61 by jump, 0 by trap), 0 skipped' far.err ||
		fail "far data, start $run: $(grep 'libfar' far.err)"
done

# A non-PIE executable: its heap grows above it, so its trampolines never go at a fixed place
# above it (a program's own sbrk would fail once its heap reached them).
printf '#include <stdio.h>\n#include <unistd.h>\nint big_0(int, int);\nint main(void) { printf("big_0 %%d\\n", big_0(1, 2)); printf("sbrk %%s\\n", sbrk(700 << 20) == (void *)-1 ? "failed" : "ok"); return 0; }\n' >np.c
gcc -O0 -no-pie -o np np.c big.c || fail "cannot build np"
want=$(./np)
for run in 1 2 3 4 5; do
	got=$(CONFINE_OPTIONS=verbosity=1 LD_PRELOAD="$GUARD_LIB" ./np 2>np.err)
	[ "$?.$got" = "0.$want" ] || fail "non-PIE, start $run: '$got', want '$want'"
	[ $run = 1 ] || grep -q 'np: patched code mapped from the cache' np.err || fail "non-PIE, start $run: $(grep 'confine: np' np.err)"
done

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

# A plan's bytes that run onto the next page, which the loader relocated: `special` starts 5
# bytes before a page's end, with a movabs whose 64-bit immediate (a text relocation) lies on
# the next page. The pages a plan was made from are checked too: no warm start trusts the
# unrelocated (or another run's) immediate.
cat >special.s <<'EOF'
	.data
	.globl table
table:	.long 1234
	.local s_special
	.comm s_special,4,4
	.text
	.balign 4096
	.skip 4091, 0xcc
	.globl special
	.type special,@function
special:
	nopl 0(%rax)
	movabs $table, %rax
	addl $1, s_special(%rip)
	movl (%rax), %eax
	ret
	.size special, .-special
	.skip 64, 0xcc
	.section .note.GNU-stack,"",@progbits
EOF
gcc -O0 -fPIC -shared -Wl,-z,notext -o libtbig.so big.c special.s || fail "cannot build libtbig.so with special"
cat >app_special.c <<'EOF'
#include <stdio.h>
int big_0(int, int);
int special(void);
int main(void)
{
	printf("big_0: %d special: %d\n", big_0(1, 2), special());
	return 0;
}
EOF
gcc -O1 -o app_special app_special.c -L. -ltbig -Wl,-rpath,'$ORIGIN' || fail "cannot build app_special"
want=$(./app_special)
for run in 1 2 3; do
	got=$(CONFINE_OPTIONS="verbosity=2:modules=*/libtbig.so" LD_PRELOAD="$GUARD_LIB" ./app_special 2>special.err)
	status=$?
	[ "$status.$got" = "0.$want" ] || fail "special, start $run: exit $status, '$got', want '$want': $(grep confine: special.err)"
	grep -q 'libtbig.so: 61 functions confined' special.err || fail "special, start $run: $(grep confined special.err)"
	grep -q 'vouches' special.err && fail "special, start $run: $(grep vouches special.err)"
done
