# Fleet scale: --shard K/N partitions the fixture tree exactly and stably; the result cache
# (hits counted by -v, outputs byte-identical in every format, invalidated by mtime, --libc,
# --rules and corrupt entries, never fatal); saved results (JSON, JSONL, several files) as
# inputs of check, baseline and scan; and the three recipes of README "Scanning many binaries"
# (xargs -P, docs/github-matrix.yml, docs/k8s-indexed-job.yaml) run on the fixtures.
repo=$PWD
cd "$FX" || exit 1
export XDG_CACHE_HOME="$TMP/xdg"
PATH="$(dirname "$CONFINE"):$PATH"
export PATH

# The modules of a JSON report (display names), one per line.
modules() {
	python3 -c 'import json, sys
for f in sys.argv[1:]:
    for m in json.load(open(f))["modules"]:
        print(m["path"] + ("(%s)" % m["member"] if m["member"] else ""))' "$@"
}

# --- shards -------------------------------------------------------------------------------------
"$CONFINE" scan -f json . >"$TMP/all.json" || fail "scan of the fixture tree: exit $?"
modules "$TMP/all.json" | sort >"$TMP/all.mods"
total=$(wc -l <"$TMP/all.mods")
[ "$total" -ge 30 ] || fail "fixture tree: only $total modules"
for n in 1 2 3 7; do
	k=1
	while [ $k -le $n ]; do
		"$CONFINE" scan -f json --shard $k/$n . >"$TMP/shard$k.json" || fail "--shard $k/$n: exit $?"
		k=$((k + 1))
	done
	modules "$TMP"/shard*.json | sort >"$TMP/union.mods"
	diff -u "$TMP/all.mods" "$TMP/union.mods" >&2 ||
		fail "--shard K/$n: the shards do not cover the tree exactly once"
	rm -f "$TMP"/shard*.json
done
# A file's shard does not depend on the other inputs: O0's part of shard 2/3 of O0 and O2 is
# shard 2/3 of O0 alone.
"$CONFINE" scan -f json --shard 2/3 O0 O2 >"$TMP/tree23.json"
"$CONFINE" scan -f json --shard 2/3 O0 >"$TMP/o023.json"
modules "$TMP/tree23.json" | grep '^O0/' >"$TMP/tree23.mods"
modules "$TMP/o023.json" >"$TMP/o023.mods"
[ -s "$TMP/o023.mods" ] || fail "--shard 2/3 O0: no module"
diff -u "$TMP/tree23.mods" "$TMP/o023.mods" >&2 || fail "--shard 2/3: O0's files changed shard with the inputs"
for bad in 0/3 4/3 3 a/b 1/0 -1/2 1/; do
	assert_exit 2 "$CONFINE" scan --shard "$bad" O0
	assert_line "$TMP/exit.err" "confine: --shard: '$bad' is not K/N with 1 <= K <= N"
done

# --- result cache -------------------------------------------------------------------------------
c="$TMP/cache"
cached_scan() { # LABEL ARGS...: scan with -v --cache=$c, stdout in $TMP/LABEL, stderr in $TMP/LABEL.err
	label=$1
	shift
	"$CONFINE" scan -v --cache="$c" "$@" >"$TMP/$label" 2>"$TMP/$label.err" || fail "$label: exit $?"
}
cache_line() { # FILE: the hit and store counts of the cache line
	sed -n "s|^confine: cache $c: \([0-9]*\) of \([0-9]*\) modules reused, \([0-9]*\) stored\$|\1 \2 \3|p" "$1"
}
cached_scan cold -f json --show-ignored .
set -- $(cache_line "$TMP/cold.err")
[ $# = 3 ] && [ "$2" = "$total" ] && [ $(($1 + $3)) = "$total" ] && [ "$3" -gt 0 ] ||
	fail "first cached scan: cache line '$(grep cache "$TMP/cold.err")', want H + S = $total"
for fmt in "-f json --show-ignored" "-f text --show-ignored --no-color" "-f sarif"; do
	# shellcheck disable=SC2086
	"$CONFINE" scan $fmt . >"$TMP/plain" 2>/dev/null
	# shellcheck disable=SC2086
	cached_scan warm $fmt .
	assert_line "$TMP/warm.err" "confine: cache $c: $total of $total modules reused, 0 stored"
	cmp -s "$TMP/plain" "$TMP/warm" || fail "cached scan ($fmt): output differs from the scan's"
done
cached_scan again -f json .
cmp -s "$TMP/all.json" "$TMP/again" || fail "cached scan (json): output differs"
# A changed mtime makes a file without build-id a miss; a copy of a file with one still hits.
mkdir "$TMP/tree"
cp O2/legacy.o O2/liblegacy.so "$TMP/tree/"
cached_scan t1 "$TMP/tree"
assert_line "$TMP/t1.err" "confine: cache $c: 1 of 2 modules reused, 1 stored"
cached_scan t2 "$TMP/tree"
assert_line "$TMP/t2.err" "confine: cache $c: 2 of 2 modules reused, 0 stored"
touch -d '2001-01-01 00:00:00' "$TMP/tree/legacy.o"
cached_scan t3 "$TMP/tree"
assert_line "$TMP/t3.err" "confine: cache $c: 1 of 2 modules reused, 1 stored"
# Other rules, another libc set: nothing reused.
cached_scan libc --libc posix "$TMP/tree"
assert_line "$TMP/libc.err" "confine: cache $c: 0 of 2 modules reused, 2 stored"
printf 'myfunc\tmygroup\terror\tstate\t-\n' >"$TMP/extra.rules"
cached_scan rules --rules "$TMP/extra.rules" "$TMP/tree"
assert_line "$TMP/rules.err" "confine: cache $c: 0 of 2 modules reused, 2 stored"
# Corrupt entries are recomputed; the report does not change.
for e in "$c"/*.report; do printf 'confine report 1\n\001\377' >"$e"; done
cached_scan corrupt -f json .
set -- $(cache_line "$TMP/corrupt.err")
[ "${1:-x}" != "$total" ] && [ "${3:-0}" -gt 0 ] || fail "corrupt cache entries were used: $(cat "$TMP/corrupt.err")"
cmp -s "$TMP/all.json" "$TMP/corrupt" || fail "scan over a corrupt cache: output differs"
# A cache that cannot be written costs time only.
"$CONFINE" scan -v --cache=/dev/null/cache -f json . >"$TMP/nodir" 2>"$TMP/nodir.err" ||
	fail "scan with an unwritable cache: exit $?"
assert_line "$TMP/nodir.err" "confine: cache /dev/null/cache: 0 of $total modules reused, 0 stored"
cmp -s "$TMP/all.json" "$TMP/nodir" || fail "scan with an unwritable cache: output differs"
# The default directory is the runtime guard's.
"$CONFINE" scan --cache O0/legacy.o >/dev/null || fail "--cache: exit $?"
ls "$XDG_CACHE_HOME"/confine/c*.report >/dev/null 2>&1 || fail "--cache: nothing stored in \$XDG_CACHE_HOME/confine"
assert_exit 2 env -u HOME -u XDG_CACHE_HOME "$CONFINE" scan --cache O0/legacy.o
assert_line "$TMP/exit.err" "confine: --cache: neither XDG_CACHE_HOME nor HOME is set (use --cache=DIR)"

# --- saved results as inputs --------------------------------------------------------------------
"$CONFINE" baseline O0 -o "$TMP/base" 2>/dev/null
"$CONFINE" check --baseline "$TMP/base" "$FX" >"$TMP/direct" 2>"$TMP/direct.err"
direct_status=$?
[ "$direct_status" = 1 ] || fail "check of the tree: exit $direct_status, want 1"
"$CONFINE" scan -f json "$FX" >"$TMP/abs.json"
python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
for m in doc["modules"]:
    print(json.dumps(m))' "$TMP/abs.json" >"$TMP/abs.jsonl"
for saved in "$TMP/abs.json" "$TMP/abs.jsonl"; do
	assert_exit 1 "$CONFINE" check --baseline "$TMP/base" "$saved"
	cmp -s "$TMP/direct" "$TMP/exit.out" || fail "check of $(basename "$saved"): report differs from the binaries'"
done
for fmt in json sarif; do
	"$CONFINE" check -f $fmt --baseline "$TMP/base" "$FX" >"$TMP/d.$fmt"
	"$CONFINE" check -f $fmt --baseline "$TMP/base" "$TMP/abs.jsonl" >"$TMP/s.$fmt"
	cmp -s "$TMP/d.$fmt" "$TMP/s.$fmt" || fail "check -f $fmt of saved results differs from the binaries'"
done
"$CONFINE" baseline "$FX" -o "$TMP/base.bin" 2>/dev/null
"$CONFINE" baseline "$TMP/abs.jsonl" -o "$TMP/base.saved" 2>/dev/null
cmp -s "$TMP/base.bin" "$TMP/base.saved" || fail "baseline of saved results differs from the binaries'"
"$CONFINE" scan --no-color "$FX" >"$TMP/t.bin"
"$CONFINE" scan --no-color "$TMP/abs.jsonl" >"$TMP/t.saved"
cmp -s "$TMP/t.bin" "$TMP/t.saved" || fail "scan of saved results: text differs from the binaries'"
# An input the saved scan could not use fails the check as it would have.
printf '%s\n' '{"error": "gone.so: No such file or directory"}' >"$TMP/err.jsonl"
assert_exit 2 "$CONFINE" check --baseline "$TMP/base" "$TMP/abs.jsonl" "$TMP/err.jsonl"
assert_line "$TMP/exit.err" "confine: error: gone.so: No such file or directory (recorded in $TMP/err.jsonl)"
tail -1 "$TMP/exit.out" | grep -q ': error (1 unusable input)$' || fail "check with a recorded error: $(tail -1 "$TMP/exit.out")"
printf '{"tool": "confine", "modules": [\n{"path": 1}]}\n' >"$TMP/bad.json"
assert_exit 2 "$CONFINE" check --baseline "$TMP/base" "$TMP/bad.json"
assert_line "$TMP/exit.err" "confine: error: $TMP/bad.json:1: not a confine scan result: bad or missing \"path\""
printf '{"tool": "confine", "modules": [\n' >"$TMP/cut.json"
assert_exit 2 "$CONFINE" check --baseline "$TMP/base" "$TMP/cut.json"
grep -q "^confine: error: $TMP/cut.json:2: not JSON: " "$TMP/exit.err" || fail "cut saved result: $(cat "$TMP/exit.err")"

# --- the recipes --------------------------------------------------------------------------------
# README's xargs -P recipe, verbatim, on a tree whose build/ is the fixtures.
mkdir "$TMP/x" && cd "$TMP/x" || exit 1
ln -s "$FX" build
cp "$TMP/base" confine.baseline
awk '/^With `xargs -P`/ { on = 1 } on && /^```sh$/ { grab = 1; next } grab && /^```$/ { exit } grab' \
	"$repo/README.md" >recipe.sh
grep -q 'xargs -P' recipe.sh || fail "README: no xargs -P recipe found"
sh -e recipe.sh >recipe.out 2>recipe.err
recipe_status=$?
"$CONFINE" check --baseline confine.baseline build/ >direct.out 2>/dev/null
[ "$recipe_status" = 1 ] || fail "xargs recipe: exit $recipe_status, want 1 ($(head -c 300 recipe.err))"
cmp -s direct.out recipe.out || fail "xargs recipe: the gate's report differs from a check of build/"
[ "$(ls results)" = "$(printf '1.json\n2.json\n3.json\n4.json')" ] || fail "xargs recipe: results are $(ls results)"

# GitHub Actions matrix: each shard's scan step, then the gate's check step, as the runner would.
cd "$TMP" && mkdir gh && cd gh || exit 1
python3 - "$repo/docs/github-matrix.yml" <<'EOF' || fail "docs/github-matrix.yml: $(cat "$TMP/gh/err" 2>/dev/null)"
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
scan, gate = wf["jobs"]["scan"], wf["jobs"]["gate"]
shards = scan["strategy"]["matrix"]["shard"]
assert shards == list(range(1, len(shards) + 1)), shards
assert int(scan["env"]["SHARDS"]) == len(shards), "SHARDS is not the matrix's size"
assert "scan" in gate["needs"] and "confine" in gate["needs"] and scan["needs"] == "confine"
step = lambda job, name: [s for s in job["steps"] if s.get("name") == name][0]["run"]
open("n", "w").write(str(len(shards)))
open("scan.sh", "w").write(step(scan, "Scan this shard"))
open("gate.sh", "w").write(step(gate, "confine check"))
dl = [s for s in gate["steps"] if s.get("uses", "").startswith("actions/download-artifact")][0]
assert dl["with"]["path"] == "results" and dl["with"]["merge-multiple"] is True
EOF
n=$(cat n)
k=1
while [ "$k" -le "$n" ]; do
	SHARD=$k SHARDS=$n BINARIES=$FX bash -e scan.sh || fail "github matrix: scan step of shard $k: exit $?"
	k=$((k + 1))
done
BASELINE="$TMP/base" bash -e gate.sh >gate.out 2>gate.err
[ $? = 1 ] || fail "github matrix: gate exit not 1 ($(head -c 300 gate.err))"
cmp -s "$TMP/direct" gate.out || fail "github matrix: the gate's report differs from a check of the binaries"

# Kubernetes Indexed Job: the container's script for every completion index, then the gate.
cd "$TMP" && mkdir k8s k8s/results && cd k8s || exit 1
python3 - "$repo/docs/k8s-indexed-job.yaml" <<'EOF' || fail "docs/k8s-indexed-job.yaml does not hold the expected Job"
import sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
assert job["kind"] == "Job" and job["apiVersion"] == "batch/v1"
spec = job["spec"]
assert spec["completionMode"] == "Indexed"
c = spec["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
assert int(env["SHARDS"]) == spec["completions"], "SHARDS is not completions"
assert c["command"][:2] == ["sh", "-c"]
mounts = {m["mountPath"] for m in c["volumeMounts"]}
assert env["BINARIES"] in mounts and env["RESULTS"] in mounts
open("n", "w").write(str(spec["completions"]))
open("pod.sh", "w").write(c["command"][2])
EOF
n=$(cat n)
i=0
while [ "$i" -lt "$n" ]; do
	JOB_COMPLETION_INDEX=$i SHARDS=$n BINARIES=$FX RESULTS=$TMP/k8s/results XDG_CACHE_HOME=$TMP/k8s/results/cache \
		sh -e pod.sh || fail "k8s: pod $i: exit $?"
	i=$((i + 1))
done
[ "$(ls results/shard-*.json | wc -l)" = "$n" ] || fail "k8s: $(ls results) after $n pods"
"$CONFINE" check --baseline "$TMP/base" results/shard-*.json >gate.out 2>/dev/null
[ $? = 1 ] || fail "k8s: gate exit not 1"
cmp -s "$TMP/direct" gate.out || fail "k8s: the gate's report differs from a check of the binaries"
