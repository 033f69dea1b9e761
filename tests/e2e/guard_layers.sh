# Runtime guard layering: the modules of runtime_guard/ form layers, shared.c at the bottom, and
# no module is both above and below another. A module (foo.c + foo.h; trampoline.S belongs to
# check, whose fast path it is) depends on another when it includes that one's header, or when
# its object uses a symbol the other's object defines. The graph must have no cycle.
export LC_ALL=C
guard_src=runtime_guard
guard_obj="$BUILD/obj/runtime_guard"

module_of() {
	case "$1" in
	trampoline) echo check ;;
	confine) echo guard ;;
	*) echo "$1" ;;
	esac
}

# Objects of the sources there are now (a stale object of a removed file is left out).
guard_objs() {
	for o in "$guard_obj"/*.o; do
		b=$(basename "${o%.o}")
		[ -f "$guard_src/$b.c" ] || [ -f "$guard_src/$b.S" ] && echo "$o"
	done
}

# "A B" lines: A depends on B.
guard_edges() {
	for f in "$guard_src"/*.c "$guard_src"/*.h; do
		a=$(module_of "$(basename "${f%.*}")")
		[ "$a" = gen_table ] && continue
		sed -n 's/^#include "\([a-z_]*\)\.h"/\1/p' "$f" | while read -r h; do
			[ -f "$guard_src/$h.h" ] && echo "$a $(module_of "$h")"
		done
	done
	guard_objs | while read -r o; do
		m=$(module_of "$(basename "${o%.o}")")
		nm --defined-only -g "$o" | awk -v m="$m" 'NF == 3 { print $3, m }'
	done | sort -u >"$TMP/defs"
	guard_objs | while read -r o; do
		m=$(module_of "$(basename "${o%.o}")")
		nm -u "$o" | awk '{ print $NF }' | sort -u | join - "$TMP/defs" | awk -v m="$m" '{ print m, $2 }'
	done
}

[ -f "$guard_obj/shared.o" ] || fail "guard_layers: no $guard_obj/shared.o (shared guard state module)"
guard_edges | awk '$1 != $2' | sort -u >"$TMP/edges"
[ -s "$TMP/edges" ] || fail "guard_layers: no dependencies found (objects in $guard_obj?)"
if ! tsort "$TMP/edges" >"$TMP/order" 2>"$TMP/loops"; then
	fail "guard_layers: runtime_guard/ has a cycle: $(sed -n 's/^tsort: \([a-z_]*\)$/\1/p' "$TMP/loops" | tr '\n' ' ')"
fi
# shared is the bottom: it depends on no other module of the guard.
if grep -q '^shared ' "$TMP/edges"; then
	fail "guard_layers: shared depends on: $(sed -n 's/^shared //p' "$TMP/edges" | tr '\n' ' ')"
fi
# guard.c (start-up and the public API) is the top: nothing depends on it.
if grep -q ' guard$' "$TMP/edges"; then
	fail "guard_layers: modules depend on guard.c: $(grep ' guard$' "$TMP/edges" | tr '\n' ';')"
fi
