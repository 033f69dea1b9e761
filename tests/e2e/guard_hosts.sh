# Real multi-threaded hosts as they are installed, under the guard with default options: their
# exit status and output are unchanged, and nothing is reported. python3 running 4 threads (with
# C extension modules), rustc compiling a small program, node with worker_threads and java with 4
# threads (where they exist). The analysis cache is kept in the build tree, so that only the first
# run analyzes the large libraries.
export XDG_CACHE_HOME="$BUILD/cache-hosts"
mkdir -p "$XDG_CACHE_HOME"

# real_host NAME CMD...: the same status and stdout as without the guard, and no report.
real_host() {
	name=$1
	shift
	"$@" >"$TMP/plain.out" 2>"$TMP/plain.err"
	want=$?
	"$CONFINE" run -- "$@" >"$TMP/guarded.out" 2>"$TMP/guarded.err"
	got=$?
	[ "$got" = "$want" ] || fail "$name: exit status $got under the guard, $want without: $(head -c 600 "$TMP/guarded.err")"
	cmp -s "$TMP/plain.out" "$TMP/guarded.out" || fail "$name: stdout differs under the guard"
	if grep -q 'confine' "$TMP/guarded.err"; then
		fail "$name: reports under the guard: $(grep -c 'SUMMARY: confine' "$TMP/guarded.err") reports, first: $(grep -m1 -A1 'violation' "$TMP/guarded.err")"
	fi
}

cat >"$TMP/threads.py" <<'PY'
# 4 threads using C extension modules (lib-dynload's, separate modules in pyenv's python),
# which run under the GIL: left alone.
import threading, json, struct, hashlib, datetime, decimal, csv, io, pickle, zlib, sqlite3, math
totals = [None] * 4
def work(i):
    d = {}
    for k in range(20000):
        d[k % 97] = d.get(k % 97, 0) + k
    out = []
    for k in range(200):
        out.append(json.dumps({"k": k, "v": [i, k]}))
        out.append(struct.pack("<iq", k, i * k).hex())
        out.append(hashlib.sha256(("%d-%d" % (i, k)).encode()).hexdigest())
        out.append(str(datetime.date(2026, 1 + k % 12, 1 + k % 28)))
        out.append(str(decimal.Decimal(k) / decimal.Decimal(7)))
        out.append(pickle.loads(pickle.dumps((i, k)))[1])
        out.append(zlib.crc32(b"%d" % k))
        out.append(math.factorial(k % 20))
    buf = io.StringIO()
    csv.writer(buf).writerow([i, len(out)])
    db = sqlite3.connect(":memory:")
    db.execute("create table t (v)")
    db.executemany("insert into t values (?)", [(k,) for k in range(100)])
    totals[i] = (sum(d.values()), hashlib.sha256(repr(out).encode()).hexdigest()[:16],
                 buf.getvalue().strip(), db.execute("select sum(v) from t").fetchone()[0])
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(totals)
PY
real_host python3 python3 "$TMP/threads.py"

printf 'fn main() {\n    let v: Vec<u32> = (1..10).collect();\n    println!("{}", v.iter().sum::<u32>());\n}\n' >"$TMP/hello.rs"
real_host rustc rustc -o "$TMP/hello" "$TMP/hello.rs"
[ -x "$TMP/hello" ] || fail "rustc under the guard wrote no program"

if command -v node >/dev/null 2>&1; then
	cat >"$TMP/workers.js" <<'JS'
const { Worker } = require('worker_threads');
const code = 'const { parentPort } = require("worker_threads"); let s = 0; for (let i = 0; i < 1e6; i++) s += i; parentPort.postMessage(s);';
let done = 0;
for (let i = 0; i < 4; i++) {
  const w = new Worker(code, { eval: true });
  w.on('message', (s) => { if (++done === 4) console.log('4 workers', s); });
}
JS
	real_host node node "$TMP/workers.js"
fi

# The JVM sets its locale (libjava's setlocale) while its own threads run: the distribution's
# code, not reported.
if command -v java >/dev/null 2>&1; then
	cat >"$TMP/Threads.java" <<'JAVA'
public class Threads {
    public static void main(String[] args) throws Exception {
        long[] sums = new long[4];
        Thread[] ts = new Thread[4];
        for (int i = 0; i < 4; i++) {
            final int k = i;
            ts[i] = new Thread(() -> { long s = 0; for (int j = 0; j < 1000000; j++) s += j % (k + 2); sums[k] = s; });
            ts[i].start();
        }
        for (Thread t : ts) t.join();
        System.out.println(java.util.Arrays.toString(sums));
    }
}
JAVA
	real_host java java "$TMP/Threads.java"
fi
