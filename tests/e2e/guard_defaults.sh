# The guard's defaults on small hosts (fixtures/hosts, -O0 and -O2): correct multi-threaded
# programs stay silent and keep their own exit status; incorrect ones are still reported.
export XDG_CACHE_HOME="$TMP/cache"

hosts_normalize() {
	sed -E -e 's/==[0-9]+==/==PID==/g' -e 's/tid=[0-9]+/tid=N/g' \
		-e 's/#([0-9]+) 0x[0-9a-f]+ /#\1 0xADDR /' -e 's/\+0x[0-9a-f]+\)/+0xOFF)/' |
		grep -v -e 'libc\.so\.6+' -e '(ld-linux'
}

# host_case OPT HOST [ARGS [CONFINE_OPTIONS]]: exit status, stdout, normalised stderr.
host_case() {
	(cd "$FX/hosts/$1" && CONFINE_OPTIONS="${4:-}" "$CONFINE" run -- "./$2" ${3:-} >"$TMP/out" 2>"$TMP/err")
	echo "exit $?"
	echo "--- stdout"
	cat "$TMP/out"
	echo "--- stderr"
	hosts_normalize <"$TMP/err"
}

for opt in O0 O2; do
	# setlocale(category, NULL) only reads: no env-write while the other thread runs.
	assert_golden "guard/hosts/setlocale.txt" host_case $opt setlocale
	assert_golden "guard/hosts/$opt/setlocale-write.txt" host_case $opt setlocale write
	# A library's setlocale on a thread of its own while another runs: an env-write from a
	# library the guard patches; none from one it leaves to the distribution (modules= naming only
	# the program here, whose code is not on that thread's stack).
	host_case $opt setloc >"$TMP/setloc"
	assert_line "$TMP/setloc" "exit 66"
	assert_line "$TMP/setloc" "  env-write: setlocale (libc.so.6) while 3 threads run"
	assert_line "$TMP/setloc" "    #0 0xADDR set_thread fixtures/hosts/setloc_lib.c:10 (libsetloc.so+0xOFF)"
	host_case $opt setloc "" modules=setloc >"$TMP/setloc"
	printf 'exit 0\n--- stdout\nlocale C\n--- stderr\n' | cmp -s - "$TMP/setloc" ||
		fail "setloc $opt, modules=setloc: $(cat "$TMP/setloc")"
	# The program's write through the distribution's code (pthread_once calling its routine, whose
	# setlocale is a tail call at -O2) is still the program's: its frame is on the stack.
	host_case $opt setloc once modules=setloc >"$TMP/setloc"
	assert_line "$TMP/setloc" "exit 66"
	assert_line "$TMP/setloc" "  env-write: setlocale (libc.so.6) while 2 threads run"
done

# Incorrect hosts: still reported. A thread-naive library called from two threads; a plugin
# loaded, unloaded and loaded again (patched again), then called from a second thread; localtime
# then gmtime on two threads (main is named after it bound the domain: names are read when
# reporting).
for opt in O0 O2; do
	assert_golden "guard/hosts/$opt/legacy.txt" host_case $opt legacy
	assert_golden "guard/hosts/$opt/reload.txt" host_case $opt reload ./libplugin.so
	assert_golden "guard/hosts/$opt/tmbuf.txt" host_case $opt tmbuf
done

# A join orders every access of the joined thread before the joiner's: the joiner takes over the
# domains the worker bound (its strtok's, and the program's own through bump), with pthread_join,
# the _np joins, std::thread::join and Rust's JoinHandle::join. A worker that exits detached keeps
# them: main's calls after it are violations naming the exited owner.
for opt in O0 O2; do
	for how in join timed try clock; do
		assert_golden "guard/hosts/join.txt" host_case $opt join $how
	done
	assert_golden "guard/hosts/join.txt" host_case $opt join_cxx
	assert_golden "guard/hosts/$opt/join-detached.txt" host_case $opt join detached
done
assert_golden "guard/hosts/join.txt" host_case rust join
# Beyond pthread_join: C11's thrd_join (glibc calls its own pthread_join); thrd_detach of an
# exited worker whose handle a joined thread then reuses (still a violation); a worker joined
# after 8200 other threads made guarded calls; and detaches racing the workers' exits, each
# followed by the join of a thread reusing the handle: no join may pass for the detached one's.
for opt in O0 O2; do
	assert_golden "guard/hosts/joinrace-c11.txt" host_case $opt joinrace c11
	assert_golden "guard/hosts/$opt/joinrace-c11-detached.txt" host_case $opt joinrace c11-detached
	assert_golden "guard/hosts/joinrace-c11.txt" host_case $opt joinrace late
done
host_case O2 joinrace detach-race verbosity=1 >"$TMP/race"
assert_line "$TMP/race" "exit 66"
assert_no_match "$TMP/race" "which it joined"
host_case O2 join join verbosity=1 >"$TMP/joined"
assert_line "$TMP/joined" "==PID== confine: T1 'main' (tid=N) took over libc:strtok from T2 'worker' (tid=N), which it joined"
assert_line "$TMP/joined" "==PID== confine: T1 'main' (tid=N) took over join from T2 'worker' (tid=N), which it joined"

# Correct hosts, silent with their own status: a counter under a mutex and an atomic counter
# shared by 4 workers, a volatile sig_atomic_t flag set by a handler; and functions that only
# call libc functions, never confined for it: a worker calling exit(0) and perror on its error
# path, and wrappers of getenv, rand and strerror (MT-Safe in glibc).
for opt in O0 O2; do
	for h in mutex atomic sigflag exit wrappers; do
		assert_golden "guard/hosts/$opt/$h.txt" host_case $opt $h
	done
done
# An interpreter's extension module (it creates its module object with PyModuleDef_Init, as
# CPython's do) runs under the interpreter's lock (interp.c's "GIL"): left alone, though its own
# code is thread-naive; scan says why.
for opt in O0 O2; do
	assert_golden "guard/hosts/$opt/interp.txt" host_case $opt interp
done
"$CONFINE" scan "$FX/hosts/O2/libpyext.so" >"$TMP/pyext" 2>&1
assert_line "$TMP/pyext" "$FX/hosts/O2/libpyext.so  (shared, debug info, thread-aware: runs under its interpreter's lock (calls PyModuleDef_Init))"
# confine=all gives the behaviour of earlier releases: every [guard] function is confined.
assert_golden "guard/hosts/wrappers-all.txt" host_case O0 wrappers "" confine=all
(cd "$FX/hosts/O2" && "$CONFINE" run --explain -- ./exit) >"$TMP/explain" 2>&1
assert_line "$TMP/explain" "  unit fixtures/hosts/exit.c (C): 1 function left alone (no unprotected state of its own)"
(cd "$FX/hosts/O2" && "$CONFINE" run --explain --options confine=all -- ./exit) >"$TMP/explain" 2>&1
assert_line "$TMP/explain" "  unit fixtures/hosts/exit.c (C): 1 function confined (confine=all)"

# Bad values stop the program at start-up; '::' belongs to a value.
host_case O2 exit "" confine=some >"$TMP/bad"
assert_line "$TMP/bad" "exit 2"
assert_line "$TMP/bad" "confine: CONFINE_OPTIONS: bad value 'some' for confine (expected naive, unprotected, all or selected)"
(cd "$FX/hosts/O2" && "$CONFINE" run --explain --options 'confine=selected:functions=legacy::*,serve:units=x' -- ./exit) >"$TMP/explain" 2>&1
assert_line "$TMP/explain" "  unit fixtures/hosts/exit.c (C): 1 function left alone (no unprotected state of its own)"

# Code written for threads is left alone (mutex.c takes a lock), even where it reads unprotected
# (peek_total, from main and then from a thread); functions= and units= select it.
for opt in O0 O2; do
	assert_golden "guard/hosts/mutex-peek.txt" host_case $opt mutex peek
	for sel in 'functions=peek_*' 'units=*/mutex.c' 'confine=unprotected'; do
		host_case $opt mutex peek "$sel" >"$TMP/sel"
		assert_line "$TMP/sel" "exit 66"
		assert_line "$TMP/sel" "  cross-thread-call: peek_total (mutex) in domain mutex"
		[ "$(grep -c 'SUMMARY: confine' "$TMP/sel")" = 1 ] || fail "mutex peek $sel: $(cat "$TMP/sel")"
	done
done
(cd "$FX/hosts/O2" && "$CONFINE" run --explain -- ./mutex) >"$TMP/explain" 2>&1
assert_line "$TMP/explain" "  unit fixtures/hosts/mutex.c (C): 2 functions left alone (thread-aware: uses pthread_mutex_lock)"
(cd "$FX/hosts/O2" && "$CONFINE" run --explain --options 'functions=peek_*' -- ./mutex) >"$TMP/explain" 2>&1
assert_line "$TMP/explain" "  unit fixtures/hosts/mutex.c (C): 1 function confined (selected by functions=)"
