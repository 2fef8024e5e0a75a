// Preloaded (`node --import`) into the CLI process the tokenize bench runs: appends the process's peak RSS
// to TOKENIZE_BENCH_REPORT when it exits, so the bench measures the real `bin/mlduck.js` (the compiled
// CLI when it is current) without changing it. `tokenize` runs in a child of the launcher (it inherits
// the preload): each process appends its line and the bench adds them up. Worker threads load the
// preload too; only main threads report (a thread's maxRSS is its whole process's).
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  process.on('exit', () => {
    appendFileSync(process.env.TOKENIZE_BENCH_REPORT, `${process.resourceUsage().maxRSS / 1024}\n`);
  });
}
