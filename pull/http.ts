/**
 * The one HTTP client of `mlduck pull`: Node's built-in fetch (undici) with retries on 429, 5xx, dropped
 * connections and truncated bodies; exponential backoff with jitter, `Retry-After` honoured (seconds or an
 * HTTP date, as W&B's own client does), a bounded total wait per request, a concurrency cap, and a count of
 * requests and bytes (for the benchmark and the report). Tokens are sent in headers and never logged.
 */
import { MlduckError } from '../src/errors.ts';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** First backoff; doubled per attempt, up to 25% jitter added, clamped to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Total time one request may spend waiting between attempts (rate limiting that does not end). */
  maxWaitMs: number;
  /** Per-attempt timeout (headers and body). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 10,
  baseBackoffMs: 1000,
  maxBackoffMs: 60_000,
  maxWaitMs: 300_000,
  timeoutMs: 120_000,
};

export interface HttpStats {
  requests: number;
  retries: number;
  /** Response body bytes received (all attempts). */
  bytesIn: number;
  /** Request body bytes sent (all attempts). */
  bytesOut: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  url: string;
}

/** Statuses retried: rate limiting and transient server errors. */
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** `Retry-After` in ms: seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const seconds = Number(header.trim());
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A transient failure: retried, and reported with what happened if the attempts run out. */
class Transient extends Error {
  constructor(
    message: string,
    readonly waitMs: number | null = null,
  ) {
    super(message);
  }
}

/** Caps how many requests are in flight at once. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  /** Statuses returned to the caller instead of retried or thrown (e.g. 401, 404). */
  accept?: (status: number) => boolean;
  /** Called with each chunk as it arrives instead of buffering (downloads); the body is then empty. */
  onChunk?: (chunk: Uint8Array) => void | Promise<void>;
  /** Called before each retry of a streamed request (the caller resets what it wrote). */
  onRetry?: () => void | Promise<void>;
  /** Checks a response inside the retry loop: throwing `transientError(…)` retries (a cut-short JSON body). */
  validate?: (response: HttpResponse) => void;
  /** Headers for a given attempt (a download resumes with Range). */
  headersForAttempt?: () => Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, bytesIn: 0, bytesOut: 0 };
  private readonly limiter: Limiter;

  constructor(
    readonly policy: RetryPolicy = DEFAULT_RETRY,
    concurrency = 8,
    /** What is being talked to, for messages ("W&B at http://…"). */
    readonly serverName = 'server',
  ) {
    this.limiter = new Limiter(concurrency);
  }

  /** One request with retries; the response is returned for 2xx and for statuses `accept` takes. */
  request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.limiter.run(() => this.withRetries(url, options));
  }

  private backoff(attempt: number): number {
    const exp = this.policy.baseBackoffMs * 2 ** Math.min(attempt, 32);
    return Math.min(this.policy.maxBackoffMs, exp * (1 + 0.25 * Math.random()));
  }

  private async withRetries(url: string, options: RequestOptions): Promise<HttpResponse> {
    let waited = 0;
    let lastProblem = '';
    for (let attempt = 0; attempt < this.policy.attempts; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        await options.onRetry?.();
      }
      try {
        const response = await this.once(url, options);
        options.validate?.(response);
        return response;
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        lastProblem = error.message;
        if (attempt + 1 >= this.policy.attempts) break;
        const wait = error.waitMs ?? this.backoff(attempt);
        if (waited + wait > this.policy.maxWaitMs) {
          throw new MlduckError(
            `${this.serverName} kept failing (${lastProblem}); gave up after waiting ${Math.round(waited / 1000)} s of a ${Math.round(this.policy.maxWaitMs / 1000)} s budget`,
            { hint: 'retry later, or raise --max-wait', cause: error },
          );
        }
        waited += wait;
        await sleep(wait);
      }
    }
    throw new MlduckError(
      `${this.serverName} failed ${this.policy.attempts} times in a row (${lastProblem})`,
      { hint: 'retry later; what landed before stays in the warehouse' },
    );
  }

  private async once(url: string, options: RequestOptions): Promise<HttpResponse> {
    this.stats.requests++;
    const headers = { ...options.headers, ...options.headersForAttempt?.() };
    if (options.body !== undefined) this.stats.bytesOut += Buffer.byteLength(options.body);
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        headers,
        ...(options.body !== undefined ? { body: options.body } : {}),
        redirect: 'follow',
        signal: AbortSignal.timeout(this.policy.timeoutMs),
      });
    } catch (error) {
      throw new Transient(`connection failed: ${causeText(error)}`);
    }
    const status = response.status;
    if (RETRY_STATUS.has(status)) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      const text = await readText(response, this.stats);
      throw new Transient(`HTTP ${status}${text ? `: ${oneLine(text)}` : ''}`, wait);
    }
    const ok = (status >= 200 && status < 300) || options.accept?.(status) === true;
    if (!ok) {
      const text = await readText(response, this.stats);
      throw new MlduckError(
        `${this.serverName} answered HTTP ${status} for ${redactUrl(url)}${text ? `: ${oneLine(text)}` : ''}`,
      );
    }
    try {
      if (options.onChunk && status >= 200 && status < 300 && response.body) {
        for await (const chunk of response.body) {
          this.stats.bytesIn += chunk.byteLength;
          await options.onChunk(chunk);
        }
        return { status, headers: response.headers, body: Buffer.alloc(0), url: response.url };
      }
      const body = Buffer.from(await response.arrayBuffer());
      this.stats.bytesIn += body.byteLength;
      const declared = response.headers.get('content-length');
      if (
        declared !== null &&
        Number(declared) !== body.byteLength &&
        !response.headers.get('content-encoding')
      ) {
        throw new Transient(`truncated body: ${body.byteLength} of ${declared} bytes`);
      }
      return { status, headers: response.headers, body, url: response.url };
    } catch (error) {
      if (error instanceof Transient || error instanceof MlduckError) throw error;
      throw new Transient(`connection dropped while reading the body: ${causeText(error)}`);
    }
  }
}

/** Marks a response that parsed badly as transient (a body cut short that still had the right length). */
export function transientError(message: string): Error {
  return new Transient(message);
}

async function readText(response: Response, stats: HttpStats): Promise<string> {
  try {
    const text = await response.text();
    stats.bytesIn += Buffer.byteLength(text);
    return text.slice(0, 200);
  } catch {
    return '';
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 160);
}

function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

/** A URL without credentials or query (for messages). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<url>';
  }
}
