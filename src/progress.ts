import cliProgress from 'cli-progress';
import type { Output } from './output.ts';

/** What a long command reports as it goes: work done of a total (bytes), and named counters. */
export interface ProgressState {
  done: number;
  total: number;
  /** Shown after the bar, in order: `label value`. */
  counters: Readonly<Record<string, string | number>>;
  /** Counter whose rate per second is shown (e.g. questions or tokens), if any. */
  rateOf?: string;
}

export interface Progress {
  update(state: ProgressState): void;
  /** Removes the bar; the next update draws it again (lines printed in between stay readable). */
  pause(): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update: () => {}, pause: () => {}, stop: () => {} };

/**
 * The one progress bar of mlduck: on a terminal (stderr), with percentage, counters, a rate and an ETA by
 * the work total; nothing when output is piped or quiet.
 */
export function progressBar(out: Output, label: string): Progress {
  if (!out.interactive) return NO_PROGRESS;
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {percentage}% {counters} · ETA {remaining}`,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let begun = false;
  // By the work done so far; "…" until there is some (cli-progress's own shows NaN/Infinity early on).
  const eta = (state: ProgressState): string => {
    const seconds = (performance.now() - started) / 1000;
    if (state.done <= 0 || seconds <= 0) return '…';
    const left = (Math.max(0, state.total - state.done) * seconds) / state.done;
    return left < 60
      ? `${Math.ceil(left)}s`
      : `${Math.floor(left / 60)}m${String(Math.ceil(left % 60)).padStart(2, '0')}s`;
  };
  const payload = (state: ProgressState) => {
    const parts = Object.entries(state.counters).map(
      ([name, value]) => `${typeof value === 'number' ? value.toLocaleString('en-US') : value} ${name}`,
    );
    if (state.rateOf !== undefined) {
      const seconds = Math.max(1e-3, (performance.now() - started) / 1000);
      const count = Number(state.counters[state.rateOf] ?? 0);
      parts.push(`${Math.round(count / seconds).toLocaleString('en-US')} ${state.rateOf}/s`);
    }
    return { counters: parts.join(' · '), remaining: eta(state) };
  };
  return {
    update: (state) => {
      if (!begun) {
        bar.start(Math.max(1, state.total), Math.min(state.done, state.total), payload(state));
        begun = true;
      } else bar.update(Math.min(state.done, state.total), payload(state));
    },
    pause: () => {
      if (begun) bar.stop();
      begun = false;
    },
    stop: () => {
      if (begun) bar.stop();
      begun = false;
    },
  };
}
