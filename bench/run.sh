#!/bin/sh
# make bench: measures, in one run, the figures quoted in README.md.
# 1. confine scan vs objdump -d on the largest library (libLLVM): wall time and peak memory.
# 2. the runtime guard: added time per guarded call vs the same calls unguarded, and Helgrind.
# Usage: bench/run.sh BUILD_DIR
set -eu
build=${1:-build}
confine="$build/bin/confine"
measure="$build/bench/measure"
calls="$build/bench/guard_calls"

# libLLVM-14 comes with Debian 12 (make deps-bench installs it; on later releases the newest libLLVM).
big=$(ls /usr/lib/x86_64-linux-gnu/libLLVM-14.so.1 2>/dev/null || ls -S /usr/lib/x86_64-linux-gnu/libLLVM-*.so.1 2>/dev/null | head -1 || true)
if [ -z "$big" ]; then
	big=$(find /usr/lib /usr/lib64 /usr/bin -type f -size +10M 2>/dev/null | xargs ls -S 2>/dev/null | head -1)
fi
size_kib=$(($(stat -c %s "$big") / 1024))
echo "== confine scan vs objdump on $big ($((size_kib / 1024)) MiB)"
set -- $("$measure" 3 objdump -d --no-show-raw-insn "$big")
obj_s=$1 obj_kib=$2
set -- $("$measure" 3 "$confine" scan "$big")
scan_s=$1 scan_kib=$2
awk -v o="$obj_s" -v s="$scan_s" -v ok="$obj_kib" -v sk="$scan_kib" -v f="$size_kib" 'BEGIN {
	printf "objdump -d --no-show-raw-insn   %7.2f s  %8.1f MiB peak\n", o, ok / 1024
	printf "confine scan                    %7.2f s  %8.1f MiB peak\n", s, sk / 1024
	printf "time ratio (scan / objdump)      %6.2fx   (target <= 0.30x)\n", s / o
	printf "peak memory / file size          %6.2fx   (target < 1.5x)\n", sk / f
}'

echo "== runtime guard: lrand48 (domain libc:drand48), 200 batches x 100000 calls, median"
plain=$("$calls" 200 100000)
guarded=$(LD_PRELOAD="$PWD/$build/lib/libconfine_guard.so" "$calls" 200 100000)
echo "== Helgrind: the same calls, 20 batches x 2000"
helgrind=$(valgrind --tool=helgrind -q "$calls" 20 2000 2>/dev/null)
awk -v p="$plain" -v g="$guarded" -v h="$helgrind" 'BEGIN {
	printf "unguarded                       %7.2f ns/call\n", p
	printf "guarded                         %7.2f ns/call\n", g
	printf "added by the guard              %7.2f ns/call   (target <= 2 ns)\n", g - p
	printf "guarded / unguarded              %6.2fx\n", g / p
	printf "Helgrind                        %7.2f ns/call   (%.0fx unguarded, %.0fx guarded)\n", h, h / p, h / g
}'

guard="$PWD/$build/lib/libconfine_guard.so"
export XDG_CACHE_HOME="$PWD/$build/bench/cache"
echo "== runtime guard, entry patching: hot_touch (libhot.so), 200 batches x 100000 calls, median"
pplain=$("$build/bench/patch_calls" 200 100000)
LD_PRELOAD="$guard" "$build/bench/patch_calls" 1 1 >/dev/null
pguarded=$(LD_PRELOAD="$guard" "$build/bench/patch_calls" 200 100000)
phelgrind=$(valgrind --tool=helgrind -q "$build/bench/patch_calls" 20 2000 2>/dev/null)
awk -v p="$pplain" -v g="$pguarded" -v h="$phelgrind" 'BEGIN {
	printf "unguarded                       %7.2f ns/call\n", p
	printf "guarded (patched entry)         %7.2f ns/call\n", g
	printf "added by the guard              %7.2f ns/call   (target <= 3 ns)\n", g - p
	printf "Helgrind                        %7.2f ns/call   (%.0fx unguarded, %.0fx guarded)\n", h, h / p, h / g
}'

text_bytes=$(size -A "$build/bench/libbig.so" | awk '$1 == ".text" { print $2 }')
echo "== runtime guard, start-up: a program loading libbig.so ($(awk -v b="$text_bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }') of text), median of 11 runs"
rm -rf "$XDG_CACHE_HOME"
set -- $("$measure" 1 env LD_PRELOAD="$guard" "$build/bench/startup")
cold=$1
set -- $("$measure" 11 "$build/bench/startup")
splain=$1
set -- $("$measure" 11 env LD_PRELOAD="$guard" "$build/bench/startup")
swarm=$1
set -- $("$measure" 11 env CONFINE_OPTIONS=patch=0 LD_PRELOAD="$guard" "$build/bench/startup")
snopatch=$1
set -- $("$measure" 1 valgrind --tool=helgrind -q "$build/bench/startup")
shelgrind=$1
awk -v p="$splain" -v w="$swarm" -v n="$snopatch" -v c="$cold" -v h="$shelgrind" 'BEGIN {
	printf "unguarded                       %7.1f ms\n", p * 1000
	printf "guard without patching          %7.1f ms\n", n * 1000
	printf "guard, warm cache               %7.1f ms   (added %.1f ms; target < 20 ms)\n", w * 1000, (w - p) * 1000
	printf "guard, first start (analysis)   %7.1f ms\n", c * 1000
	printf "Helgrind                        %7.1f ms   (%.0fx the guarded start)\n", h * 1000, h / w
}'
