/**
 * `apache-arrow`, loaded on first use. Every mlduck command loads the pickle plugin, and importing
 * apache-arrow's ES modules through the TypeScript loader costs a third of a second of start-up; only a
 * pickle that holds pyarrow data needs it, so it is required (its CommonJS build) when one is read.
 */
import { createRequire } from 'node:module';
import type * as ArrowLib from 'apache-arrow';

let loaded: typeof ArrowLib | undefined;

function load(): typeof ArrowLib {
  loaded ??= createRequire(import.meta.url)('apache-arrow') as typeof ArrowLib;
  return loaded;
}

/** The apache-arrow module; touching a member loads it. */
export const arrow: typeof ArrowLib = new Proxy({} as typeof ArrowLib, {
  get: (_target, key) => load()[key as keyof typeof ArrowLib],
});

/** Whether apache-arrow has been loaded (tests check that plain pickles never load it). */
export function arrowLoaded(): boolean {
  return loaded !== undefined;
}
