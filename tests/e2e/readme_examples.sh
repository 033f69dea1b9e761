# The README's examples run as written. A code block right after the line
#   <!-- readme-test -->            (or <!-- readme-test cwd=DIR -->)
# is a terminal session: "$ COMMAND" lines and the output each prints (stdout and stderr). The
# test runs the commands from a copy of the repository's layout (build/ is the build under test,
# confine is on PATH; blocks share /tmp, which is mapped to a scratch directory) and compares
# each output with the README's, after normalising PIDs, thread ids, code addresses, build-ids,
# the rules digest in policies, absolute paths and libc frames (which depend on installed debug
# info). A line "..." in the README stands for any number of lines (an abridged sample).
# A JSON block after <!-- readme-test json: COMMAND --> is an abridged output of COMMAND: every
# object in it must match one of the real output (the same keys with the same values, lists
# matched element by element in order, each by an element of the real list).
# Every other block that shows a "$ COMMAND" session must say why it is not run:
#   <!-- readme-sample: WHY -->      (a system library's output, a placeholder path, ...)
ROOT=$PWD
work="$TMP/work"
mkdir -p "$work" "$TMP/tmp" "$TMP/cache"
for f in "$ROOT"/*; do
	[ "$(basename "$f")" = build ] || ln -s "$f" "$work/"
done
ln -s "$BUILD" "$work/build"
PATH="$BUILD/bin:$PATH" XDG_CACHE_HOME="$TMP/cache" python3 - "$ROOT/README.md" "$work" "$TMP/tmp" \
	"$(cd "$BUILD" && pwd -P)" >"$TMP/readme.log" 2>&1 <<'EOF'
import difflib, json, os, re, subprocess, sys

readme, work, tmp, build = sys.argv[1:5]
MARK = re.compile(r'^<!-- readme-test(?: cwd=(\S+))? -->$')
JSON_MARK = re.compile(r'^<!-- readme-test json: (.+) -->$')
SAMPLE_MARK = re.compile(r'^<!-- readme-sample: .+ -->$')
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

def unmarked_sessions(lines):
    """Line numbers of code blocks with a "$ COMMAND" line and no marker before them."""
    i = 0
    while i < len(lines):
        if not lines[i].startswith('```'):
            i += 1
            continue
        start, marked = i, i > 0 and (MARK.match(lines[i - 1]) or JSON_MARK.match(lines[i - 1])
                                      or SAMPLE_MARK.match(lines[i - 1]))
        i += 1
        while i < len(lines) and not lines[i].startswith('```'):
            if lines[i].startswith('$ ') and not marked:
                yield start + 1
                marked = True
            i += 1
        i += 1

def json_blocks(lines):
    """(line number, command, sample text) for each block after a json marker."""
    for i, line in enumerate(lines):
        m = JSON_MARK.match(line)
        if m:
            end = lines.index('```', i + 2) if '```' in lines[i + 2:] else len(lines)
            yield i + 2, m.group(1), '\n'.join(lines[i + 2:end])

def difference(want, got, path='$'):
    """None when want is got abridged (dicts by key, lists element by element in order), else
    where the first difference is."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return path
        for key, value in want.items():
            d = difference(value, got[key], path + '.' + key) if key in got else path + '.' + key
            if d:
                return d
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return path
        k = 0
        for i, w in enumerate(want):
            first = k
            while k < len(got) and difference(w, got[k]):
                k += 1
            if k == len(got):
                # Where the closest element (the one matching deepest) differs.
                near = [difference(w, g, '%s[%d]' % (path, i)) for g in got[first:]]
                return max(near, key=lambda d: d.count('.') + d.count('['), default='%s[%d]' % (path, i))
            k += 1
        return None
    return None if want == got else '%s: %r, the output has %r' % (path, want, got)

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
for start in unmarked_sessions(lines):
    print('README.md:%d: a "$ COMMAND" sample that is not checked: mark it <!-- readme-test --> '
          'or say why not with <!-- readme-sample: WHY -->' % start)
    failed += 1
for start, command, text in json_blocks(lines):
    count += 1
    res = subprocess.run(['sh', '-c', 'cd %s && %s' % (subprocess.list2cmdline([work]), command)],
                         stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120,
                         universal_newlines=True)
    try:
        want, got = json.loads(text), json.loads(res.stdout)
    except ValueError as e:
        print('README.md:%d: "%s": not JSON: %s' % (start, command, e))
        failed += 1
        continue
    where = difference(want, got)
    if where:
        failed += 1
        print('README.md:%d: the JSON sample is not in the output of "%s": %s' % (start, command, where))
print('%d commands checked, %d differ' % (count, failed))
sys.exit(1 if failed or count == 0 else 0)
EOF
status=$?
[ "$status" = 0 ] || fail "README examples: $(cat "$TMP/readme.log")"
# The checked commands must not shrink unnoticed: at least this many run.
n=$(sed -n 's/^\([0-9]*\) commands checked.*/\1/p' "$TMP/readme.log")
[ "${n:-0}" -ge "${README_MIN_COMMANDS:-12}" ] || fail "only ${n:-0} README commands were checked"
