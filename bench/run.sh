#!/bin/sh
# make bench: measures, in one run, the figures quoted in README.md (Performance).
# 1. confine scan --format json vs objdump -d on libLLVM-14 and -15 (those installed): pairs
#    interleaved, median of 5, wall and CPU time, peak memory / file size.
# 2. the result cache: a directory of system libraries scanned again.
# 3. the runtime guard per call: added time vs the same calls unguarded (median of batches), and
#    added instructions (valgrind --tool=callgrind, exact); a violation already reported; Helgrind.
# 4. the guard's start-up with a library of 10 MB of text: warm cache, first start, instructions;
#    and rustc's (BENCH_RUSTC=0 leaves it out: its first start analyses 150 MB).
# The load average is printed at the start and the end: figures from a loaded machine are not
# comparable with an idle one's. Usage: bench/run.sh BUILD_DIR (BENCH_LIBS="FILE..." and
# BENCH_PAIRS=N replace the libraries of 1 and the number of pairs, for a quick try)
set -eu
build=${1:-build}
confine="$PWD/$build/bin/confine"
measure="$PWD/$build/bench/measure"
calls="$build/bench/guard_calls"
guard="$PWD/$build/lib/libconfine_guard.so"
pairs=${BENCH_PAIRS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# interleave N A B: runs the shell functions A and B (each prints a line of measure) N times,
# alternately, into $work/A and $work/B: both sides see the same load.
interleave() {
	: >"$work/$2" && : >"$work/$3"
	k=0
	while [ $k -lt "$1" ]; do
		"$2" >>"$work/$2"
		"$3" >>"$work/$3"
		k=$((k + 1))
	done
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "== load average at the start: $(loadavg)"

# --- 1. scan vs objdump ----------------------------------------------------------------------
libs=${BENCH_LIBS:-$(ls /usr/lib/x86_64-linux-gnu/libLLVM-14.so.1 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1 2>/dev/null || true)}
[ -n "$libs" ] || libs=$(ls -S /usr/lib/x86_64-linux-gnu/libLLVM-*.so.1 2>/dev/null | head -1)
for big in $libs; do
	size_kib=$(($(stat -c %s "$big") / 1024))
	echo "== confine scan --format json vs objdump -d --no-show-raw-insn on $big ($((size_kib / 1024)) MiB), $pairs interleaved pairs, median"
	obj() { "$measure" 1 objdump -d --no-show-raw-insn "$big"; }
	scan() { "$measure" 1 "$confine" scan --format json "$big"; }
	interleave "$pairs" obj scan
	ow=$(cut -d' ' -f1 "$work/obj" | median) oc=$(cut -d' ' -f2 "$work/obj" | median)
	sw=$(cut -d' ' -f1 "$work/scan" | median) sc=$(cut -d' ' -f2 "$work/scan" | median)
	ok=$(cut -d' ' -f3 "$work/obj" | sort -n | tail -1) sk=$(cut -d' ' -f3 "$work/scan" | sort -n | tail -1)
	awk -v ow="$ow" -v oc="$oc" -v sw="$sw" -v sc="$sc" -v ok="$ok" -v sk="$sk" -v f="$size_kib" 'BEGIN {
		printf "objdump -d --no-show-raw-insn   %7.2f s wall %7.2f s CPU  %8.1f MiB peak\n", ow, oc, ok / 1024
		printf "confine scan --format json      %7.2f s wall %7.2f s CPU  %8.1f MiB peak\n", sw, sc, sk / 1024
		printf "ratio scan / objdump            %7.3fx wall %6.3fx CPU   (target <= 0.2x)\n", sw / ow, sc / oc
		printf "peak memory / file size          %6.2fx               (target <= 1.0x)\n", sk / f
	}'
done

# --- 2. the result cache ---------------------------------------------------------------------
# 24 system libraries of 1 to 16 MB, by name: the same set wherever the same packages are.
mkdir "$work/libs"
find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -name 'lib*.so.*' -size +1M -size -16M 2>/dev/null |
	LC_ALL=C sort | head -24 | while read -r f; do ln -s "$f" "$work/libs/"; done
nlibs=$(ls "$work/libs" | wc -l)
mib=$(du -L -s -m "$work/libs" | cut -f1)
echo "== result cache: $nlibs system libraries ($mib MiB) scanned with --cache, then again (median of 3)"
set -- $("$measure" 1 "$confine" scan --cache="$work/cache" --format json "$work/libs")
cw=$1 cc=$2
set -- $("$measure" 3 "$confine" scan --cache="$work/cache" --format json "$work/libs")
awk -v cw="$cw" -v cc="$cc" -v ww="$1" -v wc="$2" 'BEGIN {
	printf "first scan (analysis, cache written) %6.2f s wall %6.2f s CPU\n", cw, cc
	printf "second scan (cache read)             %6.2f s wall %6.2f s CPU\n", ww, wc
	printf "second / first                       %6.3fx wall %5.3fx CPU   (target <= 0.1x)\n", ww / cw, wc / cc
}'

# --- 3. the guard per call -------------------------------------------------------------------
export XDG_CACHE_HOME="$work/xdg"
# Instructions per call, exact: the difference between 11000 and 1000 calls under callgrind.
per_call() { # PRELOAD|- MODE|- PROGRAM (run as "PROGRAM 1 N [MODE]")
	pre=$1 mode=$2
	[ "$pre" = - ] && pre=
	[ "$mode" = - ] && mode=
	for n in 1000 11000; do
		env ${pre:+LD_PRELOAD=$pre} CONFINE_OPTIONS=exitcode=0 valgrind --tool=callgrind \
			--callgrind-out-file="$work/cg.$n" "$3" 1 $n $mode >/dev/null 2>&1 || true
	done
	awk '/^summary:/ { v[FILENAME] = $2 } END { printf "%.1f", (v[ARGV[2]] - v[ARGV[1]]) / 10000 }' \
		"$work/cg.1000" "$work/cg.11000"
}
# guard_per_call PROGRAM LABEL TARGET_NS: a per-call workload ("PROGRAM BATCHES N [other]")
# unguarded, guarded, violating (already reported) and under Helgrind: time per call (median of
# batches) and instructions per call (callgrind).
guard_per_call() {
	prog=$1
	LD_PRELOAD="$guard" "$prog" 1 1 >/dev/null   # the cache is warm from now on
	# Seven rounds of unguarded, guarded and violating runs, interleaved: the median of each.
	: >"$work/p" && : >"$work/g" && : >"$work/v"
	for k in 1 2 3 4 5 6 7; do
		"$prog" 200 100000 >>"$work/p"
		LD_PRELOAD="$guard" "$prog" 200 100000 >>"$work/g"
		LD_PRELOAD="$guard" CONFINE_OPTIONS=exitcode=0 "$prog" 200 100000 other 2>/dev/null >>"$work/v"
	done
	plain=$(median <"$work/p") guarded=$(median <"$work/g") violating=$(median <"$work/v")
	# The added costs: medians of each round's own difference (a round's runs follow each other,
	# so a slower or faster spell of the machine shows on both sides of it).
	added=$(paste "$work/p" "$work/g" | awk '{ print $2 - $1 }' | median)
	more=$(paste "$work/g" "$work/v" | awk '{ print $2 - $1 }' | median)
	iplain=$(per_call - - "$prog")
	iguarded=$(per_call "$guard" - "$prog")
	iviolating=$(per_call "$guard" other "$prog")
	helgrind=$(valgrind --tool=helgrind -q "$prog" 20 2000 2>/dev/null)
	awk -v p="$plain" -v g="$guarded" -v v="$violating" -v h="$helgrind" -v ip="$iplain" -v ig="$iguarded" \
		-v iv="$iviolating" -v label="$2" -v target="$3" -v a="$added" -v m="$more" 'BEGIN {
	printf "unguarded                       %7.2f ns/call  %6.1f instructions/call\n", p, ip
	printf "%-31s %7.2f ns/call  %6.1f instructions/call\n", label, g, ig
	printf "added by the guard              %7.2f ns/call  %6.1f instructions/call   (target <= %s ns)\n", a, ig - ip, target
	printf "violation already reported      %7.2f ns/call  %6.1f instructions/call\n", v, iv
	printf "  more than a confined call     %7.2f ns/call  %6.1f instructions/call   (target <= 100 ns)\n", m, iv - ig
	printf "Helgrind (20 batches x 2000)    %7.2f ns/call   (%.0fx unguarded, %.0fx guarded)\n", h, h / p, h / g
}'
}
echo "== runtime guard: lrand48 (domain libc:drand48), 200 batches x 100000 calls, median of 7 interleaved runs"
guard_per_call "$calls" guarded 2
echo "== runtime guard, entry patching: hot_touch (libhot.so), 200 batches x 100000 calls, median of 7 interleaved runs"
guard_per_call "$build/bench/patch_calls" "guarded (patched entry)" 3

# --- 4. the guard's start-up -------------------------------------------------------------------
text_bytes=$(size -A "$build/bench/libbig.so" | awk '$1 == ".text" { print $2 }')
echo "== runtime guard, start-up: a program loading libbig.so ($(awk -v b="$text_bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }') of text), median of 11 runs"
rm -rf "$XDG_CACHE_HOME"
set -- $("$measure" 1 env LD_PRELOAD="$guard" "$build/bench/startup")
cold=$1
# Every variant runs through env, so that each pays the same two exec()s.
plain() { "$measure" 1 env "$build/bench/startup"; }
warm() { "$measure" 1 env LD_PRELOAD="$guard" "$build/bench/startup"; }
interleave 11 plain warm
set -- $("$measure" 11 env CONFINE_OPTIONS=patch=0 LD_PRELOAD="$guard" "$build/bench/startup")
snopatch=$1
set -- $("$measure" 11 env CONFINE_OPTIONS=code_cache=0 LD_PRELOAD="$guard" "$build/bench/startup")
snoimage=$1 cnoimage=$2
splain=$(cut -d' ' -f1 "$work/plain" | median) swarm=$(cut -d' ' -f1 "$work/warm" | median)
cplain=$(cut -d' ' -f2 "$work/plain" | median) cwarm=$(cut -d' ' -f2 "$work/warm" | median)
valgrind --tool=callgrind --callgrind-out-file="$work/cg.plain" "$build/bench/startup" >/dev/null 2>&1
LD_PRELOAD="$guard" valgrind --tool=callgrind --callgrind-out-file="$work/cg.warm" "$build/bench/startup" >/dev/null 2>&1
istart=$(awk '/^summary:/ { v[FILENAME] = $2 } END { printf "%.1f", (v[ARGV[2]] - v[ARGV[1]]) / 1e6 }' "$work/cg.plain" "$work/cg.warm")
set -- $("$measure" 1 valgrind --tool=helgrind -q "$build/bench/startup")
shelgrind=$1
awk -v p="$splain" -v w="$swarm" -v cp="$cplain" -v cw="$cwarm" -v n="$snopatch" -v c="$cold" -v h="$shelgrind" -v i="$istart" \
	-v ni="$snoimage" -v cni="$cnoimage" 'BEGIN {
	printf "unguarded                       %7.1f ms wall %6.1f ms CPU\n", p * 1000, cp * 1000
	printf "guard without patching          %7.1f ms wall\n", n * 1000
	printf "guard, warm cache               %7.1f ms wall %6.1f ms CPU  (added %.1f ms wall, %.1f ms CPU; target <= 5 ms)\n", w * 1000, cw * 1000, (w - p) * 1000, (cw - cp) * 1000
	printf "  instructions added            %7.1f M\n", i
	printf "the same, code_cache=0          %7.1f ms wall %6.1f ms CPU  (patched in memory: added %.1f ms CPU)\n", ni * 1000, cni * 1000, (cni - cp) * 1000
	printf "guard, first start (analysis)   %7.1f ms\n", c * 1000
	printf "Helgrind                        %7.1f ms   (%.0fx the guarded warm start)\n", h * 1000, h / w
}'
# A program whose modules have no build-id: rustc (its driver library is 150 MB). The first start
# analyses it in-process; the next ones find it under its content key.
rustc=$(rustc --print sysroot 2>/dev/null)/bin/rustc
if [ "${BENCH_RUSTC:-1}" = 1 ] && [ -x "$rustc" ]; then
	echo "== runtime guard, start-up of rustc --version (no build-id: cached by content key), median of 5"
	rm -rf "$XDG_CACHE_HOME"
	set -- $("$measure" 5 "$rustc" --version)
	rplain=$1 rcplain=$2
	set -- $("$measure" 1 env LD_PRELOAD="$guard" "$rustc" --version)
	rcold=$1 rccold=$2
	set -- $("$measure" 5 env LD_PRELOAD="$guard" "$rustc" --version)
	awk -v p="$rplain" -v cp="$rcplain" -v c="$rcold" -v cc="$rccold" -v w="$1" -v cw="$2" 'BEGIN {
		printf "unguarded                       %7.2f s wall %6.2f s CPU\n", p, cp
		printf "guard, first start (analysis)   %7.2f s wall %6.2f s CPU\n", c, cc
		printf "guard, second start             %7.2f s wall %6.2f s CPU  (added %.2f s wall, %.2f s CPU; target < 1 s)\n", w, cw, w - p, cw - cp
	}'
fi
echo "== load average at the end: $(loadavg)"
