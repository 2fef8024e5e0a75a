/**
 * The Hugging Face cache layout (huggingface_hub's file_download.py), so every HF tool finds what mlduck
 * downloads and mlduck finds what they downloaded:
 *
 *   <HF_HUB_CACHE>/datasets--<org>--<name>/
 *     blobs/<etag>                   file contents, named by ETag (sha256 for LFS files, git blob sha1 else)
 *     blobs/<etag>.incomplete        a download in progress (resumed with Range)
 *     snapshots/<commit>/<path>      relative symlink to ../../blobs/<etag>
 *     refs/<revision>                the commit a branch or tag pointed to
 *
 * Cache root: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
 * $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub (huggingface_hub's constants.py).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';
import { MlduckError } from '../../src/errors.ts';

export type RepoType = 'dataset' | 'model';

export interface RepoRef {
  repoId: string;
  repoType: RepoType;
}

const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** Validates `org/name` (both become part of a folder name). */
export function parseRepoId(text: string, repoType: RepoType): RepoRef {
  const parts = text.split('/');
  if (parts.length !== 2 || !parts.every((p) => REPO_PART.test(p) && !p.includes('--') && !p.endsWith('.'))) {
    throw new MlduckError(`expected a Hub repo id ORG/NAME, got ${JSON.stringify(text)}`, { kind: 'usage' });
  }
  return { repoId: text, repoType };
}

export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  const expand = (p: string) => p.replace(/^~(?=$|\/)/, homedir());
  if (env.HF_HOME) return expand(env.HF_HOME);
  return join(env.XDG_CACHE_HOME ? expand(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'huggingface');
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE;
  return explicit ? explicit.replace(/^~(?=$|\/)/, homedir()) : join(hfHome(env), 'hub');
}

/** `datasets--org--name` (repo_folder_name). */
export function repoFolderName(repo: RepoRef): string {
  return [`${repo.repoType}s`, ...repo.repoId.split('/')].join('--');
}

/** A revision or ETag used as a file name: no separators, no dot-names. */
function safeName(value: string, what: string): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(value) || value === '.' || value === '..') {
    throw new MlduckError(`the Hub answered an unusable ${what}: ${JSON.stringify(value)}`);
  }
  return value;
}

export class RepoCache {
  readonly root: string;

  constructor(
    cacheDir: string,
    readonly repo: RepoRef,
  ) {
    this.root = join(resolve(cacheDir), repoFolderName(repo));
  }

  blobPath(etag: string): string {
    return join(this.root, 'blobs', safeName(etag, 'ETag'));
  }

  refPath(revision: string): string {
    // Branch names may hold '/', as huggingface_hub keeps them: refs/<a>/<b>.
    const path = normalize(join(this.root, 'refs', revision));
    if (
      !path.startsWith(join(this.root, 'refs') + sep) ||
      revision.split('/').some((p) => p === '..' || p === '')
    ) {
      throw new MlduckError(`unusable revision name ${JSON.stringify(revision)}`, { kind: 'usage' });
    }
    return path;
  }

  snapshotDir(commit: string): string {
    return join(this.root, 'snapshots', safeName(commit, 'commit hash'));
  }

  /** The snapshot path of a repo file; the repo path is confined to the snapshot folder. */
  snapshotPath(commit: string, repoPath: string): string {
    const dir = this.snapshotDir(commit);
    const path = normalize(join(dir, repoPath));
    if (!path.startsWith(dir + sep) || repoPath.split('/').some((p) => p === '..' || p === '.' || p === '')) {
      throw new MlduckError(`the Hub listed a file path that leaves the repo: ${JSON.stringify(repoPath)}`);
    }
    return path;
  }

  /** The commit a revision pointed to at the last download (offline mode), or null. */
  cachedCommit(revision: string): string | null {
    if (/^[0-9a-f]{40}$/.test(revision) && existsSync(this.snapshotDir(revision))) return revision;
    const ref = this.refPath(revision);
    return existsSync(ref) ? readFileSync(ref, 'utf8').trim() : null;
  }
}
