# Runtime guard under faults of its host's environment: the guard must never take the program
# down nor leave debris. Each case runs a real guarded program and pins its exit status and report.
app_dir="$FX/patch/O2-pie-nocet"

# faulty_run NAME SETUP: runs `app lib` (two cross-thread reports, exit 66) in a private mount
# namespace after SETUP (shell code; $1 is the cache directory), with XDG_CACHE_HOME there.
# Writes "exit N", the report's lines and the cache's files to $TMP/NAME. The temporary files
# are listed inside the namespace: outside it, the cache's file system is not mounted.
faulty_run() {
	mkdir -p "$TMP/$1.cache"
	(cd "$app_dir" && XDG_CACHE_HOME="$TMP/$1.cache" unshare -rm sh -c "$2"'
		"$CONFINE" run -- ./app lib; echo "exit $?"
		cd "$1" && find . -name "*.tmp" | sed "s/^/left: /"' sh "$TMP/$1.cache" 2>&1 | cat >"$TMP/$1.out")
	{
		grep -x 'exit [0-9]*' "$TMP/$1.out"
		grep -c 'confine: thread-confinement violation' "$TMP/$1.out" | sed 's/^/reports /'
		grep -xF '  cross-thread-call: legacy_add (liblegacy.so) in domain liblegacy.so' "$TMP/$1.out"
		grep -E 'double free|Aborted|core dumped' "$TMP/$1.out"
		grep '^left: ' "$TMP/$1.out"
	} >"$TMP/$1"
}

expect_clean_run() {
	[ "$(cat "$TMP/$1")" = "exit 66
reports 2
  cross-thread-call: legacy_add (liblegacy.so) in domain liblegacy.so" ] ||
		fail "$1: want two reports and no debris, got: $(cat "$TMP/$1") (output: $(head -c 400 "$TMP/$1.out"))"
}

# A full disk (tmpfs filled to the last page): fclose of the cache file fails.
faulty_run full 'mount -t tmpfs -o size=64k none "$1" && dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null;'
expect_clean_run full
# A read-only cache directory: the file cannot be created.
faulty_run readonly 'mount -t tmpfs -o size=64k none "$1" && mkdir "$1/confine" && mount -o remount,ro "$1";'
expect_clean_run readonly

# A file size limit of 0 (ulimit -f 0): with SIGXFSZ ignored the write fails with EFBIG; with its
# default action, writing would kill the program, so the guard must not write at all. Output goes
# through a pipe, which the limit does not cover.
for xfsz in ignored default; do
	mkdir -p "$TMP/fsize-$xfsz"
	trap_cmd=$([ $xfsz = ignored ] && echo "trap '' XFSZ;")
	(cd "$app_dir" && XDG_CACHE_HOME="$TMP/fsize-$xfsz" sh -c "$trap_cmd ulimit -f 0; \"\$CONFINE\" run -- ./app lib; echo \"exit \$?\"" 2>&1 |
		cat >"$TMP/fsize-$xfsz.out")
	grep -qxF 'exit 66' "$TMP/fsize-$xfsz.out" ||
		fail "ulimit -f 0, SIGXFSZ $xfsz: want exit 66, got: $(tail -3 "$TMP/fsize-$xfsz.out")"
	left=$(find "$TMP/fsize-$xfsz" -name '*.tmp')
	[ -z "$left" ] || fail "ulimit -f 0, SIGXFSZ $xfsz: temporary files left: $left"
done

# SIGTRAP blocked by the program (sigprocmask in main, pthread_sigmask in a thread, both with
# every signal) and then an int3 entry (legacy_spin): the guard keeps SIGTRAP unblocked.
for v in O0-nopie-nocet O2-pie-cet O3-pie-nocet; do
	(cd "$FX/patch/$v" && XDG_CACHE_HOME="$TMP/cache" "$CONFINE" run -- ./blocked >"$TMP/blocked.out" 2>&1)
	status=$?
	[ "$status" = 66 ] || fail "$v blocked-trap: exit $status, want 66: $(tail -3 "$TMP/blocked.out")"
	assert_line "$TMP/blocked.out" "  cross-thread-call: legacy_spin (liblegacy.so) in domain liblegacy.so"
	assert_line "$TMP/blocked.out" "done"
done

# read() interrupted (each call fails once with EINTR, from a library preloaded before the guard): the
# guard retries, so it still counts the threads (/proc/self/stat) for env-write and still names
# frames from /proc/self/maps (the symbolizer is left out).
LD_PRELOAD="$FX/guard/libeintr.so:$GUARD_LIB" CONFINE_SYMBOLIZER=/nonexistent CONFINE_OPTIONS=patch=0 \
	"$FX/guard/O2/scenarios" env >"$TMP/eintr.out" 2>&1
status=$?
[ "$status" = 66 ] || fail "EINTR: exit $status, want 66: $(tail -3 "$TMP/eintr.out")"
assert_line "$TMP/eintr.out" "  env-write: setenv (libc.so.6) while 2 threads run"
grep -qE '^    #0 0x[0-9a-f]+ \(scenarios\+0x[0-9a-f]+\)$' "$TMP/eintr.out" ||
	fail "EINTR: frame #0 not named from /proc/self/maps: $(grep '#0' "$TMP/eintr.out")"
grep -qF "  called on thread T1 'owner-main' (tid=" "$TMP/eintr.out" ||
	fail "EINTR: the thread's name (/proc/self/task/TID/comm) was not read: $(grep 'called on' "$TMP/eintr.out")"

# Signal safety: a report made inside a signal handler, on a thread the guard meets there first,
# calls nothing unsafe there (libsigcheck.so stops the program with status 99 on backtrace,
# pthread_setspecific, dl_iterate_phdr or dladdr between the handler's marks).
for opt in O0 O2; do
	LD_PRELOAD="$FX/guard/libsigcheck.so:$GUARD_LIB" CONFINE_OPTIONS=patch=0 \
		"$FX/guard/$opt/scenarios" handler-report >"$TMP/sigcheck.out" 2>&1
	status=$?
	[ "$status" = 66 ] || fail "$opt handler-report: exit $status, want 66: $(grep sigcheck "$TMP/sigcheck.out")"
	assert_line "$TMP/sigcheck.out" "  cross-thread-call: localtime (libc.so.6) in domain libc:tmbuf"
done

# A library unloaded and another loaded at its address (dlclose, dlopen): the second report is
# symbolized afresh, naming beta_touch, not the first library's alpha_touch at the same address.
(cd "$FX/guard" && CONFINE_OPTIONS=patch=0 "$CONFINE" run -- ./reload . >"$TMP/reload.out" 2>&1)
status=$?
[ "$status" = 66 ] || fail "reload: exit $status, want 66: $(tail -3 "$TMP/reload.out")"
assert_line "$TMP/reload.out" "same address: yes"
grep -qE '^    #0 0x[0-9a-f]+ alpha_touch fixtures/guard/reload_lib.c:[0-9]+ \(libreload-a.so\+0x[0-9a-f]+\)$' \
	"$TMP/reload.out" || fail "reload: the first report does not name alpha_touch: $(grep '#0' "$TMP/reload.out")"
grep -qE '^    #0 0x[0-9a-f]+ beta_touch fixtures/guard/reload_lib.c:[0-9]+ \(libreload-b.so\+0x[0-9a-f]+\)$' \
	"$TMP/reload.out" || fail "reload: the second report does not name beta_touch: $(grep '#0' "$TMP/reload.out")"
