import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Root of the mlduck package (where sql/, views/ and examples/ live). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const MLDUCK_VERSION: string = packageJson.version;
