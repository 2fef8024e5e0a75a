// Preloaded (`node --import`) into the CLI process the tokenize bench runs: writes the process's peak RSS
// to TOKENIZE_BENCH_REPORT when it exits, so the bench measures the real `bin/mlduck.js` (the compiled
// CLI when it is current) as a whole process without changing it.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const report = { seconds: 0, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  writeFileSync(process.env.TOKENIZE_BENCH_REPORT, JSON.stringify(report));
});
