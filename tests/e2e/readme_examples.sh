# The README's examples run as written. A code block right after the line
#   <!-- readme-test -->            (or <!-- readme-test cwd=DIR -->)
# is a terminal session: "$ COMMAND" lines and the output each prints (stdout and stderr). The
# test runs the commands from a copy of the repository's layout (build/ is the build under test,
# confine is on PATH; blocks share /tmp, which is mapped to a scratch directory) and compares
# each output with the README's, after normalising PIDs, thread ids, code addresses, build-ids,
# the rules digest in policies, absolute paths and libc frames (which depend on installed debug
# info). A line "..." in the README stands for any number of lines (an abridged sample).
# Only marked blocks run: samples of outputs that other changes are still moving stay unmarked.
ROOT=$PWD
work="$TMP/work"
mkdir -p "$work" "$TMP/tmp" "$TMP/cache"
for f in "$ROOT"/*; do
	[ "$(basename "$f")" = build ] || ln -s "$f" "$work/"
done
ln -s "$BUILD" "$work/build"
PATH="$BUILD/bin:$PATH" XDG_CACHE_HOME="$TMP/cache" python3 - "$ROOT/README.md" "$work" "$TMP/tmp" \
	"$(cd "$BUILD" && pwd -P)" >"$TMP/readme.log" 2>&1 <<'EOF'
import difflib, os, re, subprocess, sys

readme, work, tmp, build = sys.argv[1:5]
MARK = re.compile(r'^<!-- readme-test(?: cwd=(\S+))? -->$')
SEP = '@@readme-test-command@@'

def blocks(lines):
    """(line number, cwd, [(command, [expected lines])]) for each marked block."""
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        if i >= len(lines) or not lines[i].startswith('```'):
            yield i, None, 'the marker is not followed by a code block'
            continue
        start, session = i + 1, []
        i += 1
        while i < len(lines) and not lines[i].startswith('```'):
            if lines[i].startswith('$ '):
                session.append((lines[i][2:], []))
            elif session:
                session[-1][1].append(lines[i])
            i += 1
        yield start, m.group(1), session or 'the block has no "$ COMMAND" line'

def normalise(text):
    out = []
    for line in text:
        line = line.replace(build, '/path/to/confine/build').replace(tmp, '/tmp')
        line = line.replace(work, '/path/to/confine')
        line = re.sub(r'==[0-9]+==', '==PID==', line)
        line = re.sub(r'tid=[0-9]+', 'tid=N', line)
        line = re.sub(r'#([0-9]+) 0x[0-9a-f]+ ', r'#\1 0xADDR ', line)
        line = re.sub(r'\+0x[0-9a-f]+\)', '+0xOFF)', line)
        line = re.sub(r'\b[0-9a-f]{40}\b', 'BUILD-ID', line)
        line = re.sub(r' rules=[0-9a-f]{16}$', ' rules=DIGEST', line)
        if '(libc.so.6+' in line or '(ld-linux' in line:
            continue
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return out

def matches(want, got):
    """want may hold '...' lines, each standing for any number of lines."""
    pattern = ''.join(r'(?:[^\n]*\n)*?' if w.strip() == '...' else re.escape(w + '\n') for w in want)
    return re.fullmatch(pattern, ''.join(g + '\n' for g in got)) is not None

def run(cwd, session):
    script = 'cd %s || exit 1\n' % subprocess.list2cmdline([os.path.join(work, cwd or '')])
    for command, _ in session:
        script += 'echo %s\n{ %s\n} 2>&1\n' % (SEP, command.replace('/tmp/', tmp + '/'))
    res = subprocess.run(['sh', '-c', script], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         timeout=120, universal_newlines=True, errors='replace')
    return res.stdout.split(SEP + '\n')[1:]

lines = open(readme).read().split('\n')
failed = count = 0
for start, cwd, session in blocks(lines):
    if isinstance(session, str):
        print('README.md:%d: %s' % (start, session))
        failed += 1
        continue
    outputs = run(cwd, session)
    for k, (command, want) in enumerate(session):
        count += 1
        got = normalise(outputs[k].split('\n')[:-1] if k < len(outputs) else ['(not run)'])
        if not matches(normalise(want), got):
            failed += 1
            print('README.md:%d: the output of "$ %s" differs from the README:' % (start, command))
            sys.stdout.writelines(difflib.unified_diff([w + '\n' for w in normalise(want)],
                                  [g + '\n' for g in got], 'README', 'actual'))
print('%d commands checked, %d differ' % (count, failed))
sys.exit(1 if failed or count == 0 else 0)
EOF
status=$?
[ "$status" = 0 ] || fail "README examples: $(cat "$TMP/readme.log")"
# The checked commands must not shrink unnoticed: at least this many run.
n=$(sed -n 's/^\([0-9]*\) commands checked.*/\1/p' "$TMP/readme.log")
[ "${n:-0}" -ge "${README_MIN_COMMANDS:-12}" ] || fail "only ${n:-0} README commands were checked"
