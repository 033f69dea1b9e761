#!/bin/sh
# Writes the fuzz seeds of tests/fuzz/corpus/ (committed; each a few KiB): small objects,
# libraries and a program built from one source with gcc, g++ and clang, and one small text
# of each format the parsers read. Run it again only to change the seeds; crash reproducers
# found by a campaign are added beside them by hand (minimised with -minimize_crash=1).
# (No .o or .so names: those are build outputs to git.)
# Usage: tests/fuzz/seeds.sh
set -eu
out=$(cd "$(dirname "$0")" && pwd)/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/elf" "$out/parsers"
cd "$tmp"
cat >s.c <<'SRC'
#include <string.h>
#include <time.h>
int g;
static int s;
static int (*table[2])(void);
static int one(void) { return 1; }
__attribute__((constructor)) static void init(void) { table[0] = one; }
char *tok(char *p) { static int n; n++; s++; g = n; return strtok(p, " "); }
int hour(time_t t) { return localtime(&t)->tm_hour + table[0](); }
SRC
cat >c.cc <<'SRC'
#include <string>
struct Box { int v; };
int next_id() { static int id; return ++id; }
const std::string &name() { static const std::string n("x"); return n; }
thread_local int per_thread;
int bump() { return ++per_thread + next_id(); }
SRC
small="-Wl,-z,max-page-size=0x1000 -Wl,-z,noseparate-code -Wl,--build-id"
gcc -O0 -c s.c -o "$out/elf/gcc-O0"
gcc -O2 -g -c s.c -o "$out/elf/gcc-O2-g"
gcc -O1 -fPIC -c s.c -o "$out/elf/gcc-pic"
clang -O2 -g -c s.c -o "$out/elf/clang-O2-g"
g++ -O2 -c c.cc -o "$out/elf/gxx-O2"
gcc -O2 -fPIC -shared -nostdlib $small s.c -o "$out/elf/lib"
gcc -O2 -fPIC -shared -nostdlib $small -Wl,-z,relro,-z,now -fno-plt s.c -o "$out/elf/lib-now"
strip -o "$out/elf/lib-stripped" "$out/elf/lib"
gcc -O2 -fcf-protection -fPIC -shared -nostdlib $small s.c -o "$out/elf/lib-cet"
printf '0legacy_parse legacy error state legacy_parse_r glibc,posix __legacy_parse\n# comment\nrand rand warning posix rand_r posix\n' \
	>"$out/parsers/rules"
printf '1confine baseline 1\n[accepted]\n0123456789abcdef\tmutable-global\tliblegacy.so\t-\tg_x\tset once\n[generated]\n0123456789abcdee\tnon-reentrant-call\tliblegacy.so\tf\tstrtok\texisting\n' \
	>"$out/parsers/baseline"
printf '2# quiet\nmutable-global:g_*\n*:liblegacy.so\nnon-reentrant-call:str?ok\n' >"$out/parsers/suppressions"
printf '3confine-policy 1 version=0.1.0 rules=abc\nmodule 00ff /lib/a.so\n0x10\t7\t0x14\tg,tmbuf\t_Z1fv\tf()\nmodule - /lib/b.so\n' \
	>"$out/parsers/policy"
