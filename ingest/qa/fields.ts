/**
 * The typed fields of an OLMES `*-predictions.jsonl` line (upstream-sources.md §5.2, the typed contract of
 * `datadec:configs/olmes.toml`) and the reading of one line into typed cells, with the first problem of a
 * bad line named. Pure: no I/O.
 */

import { MAX_JSON_DEPTH, valueTooDeep } from '../../src/json-depth.ts';
import { parsePythonJson } from '../../src/python-json.ts';

export type FieldType = 'int' | 'double' | 'bool';

export interface FieldSpec {
  /** The JSON key, also the column name. */
  readonly name: string;
  readonly type: FieldType;
  /** A missing or null value is an error (otherwise it is NULL). */
  readonly required: boolean;
}

const f = (name: string, type: FieldType, required = false): FieldSpec => ({ name, type, required });

/** Per-instance `metrics` (nullable: tasks without byte or unconditional scoring lack some). */
export const INSTANCE_METRICS: readonly FieldSpec[] = [
  f('predicted_index_raw', 'int'),
  f('predicted_index_per_token', 'int'),
  f('predicted_index_per_char', 'int'),
  f('predicted_index_per_byte', 'int'),
  f('predicted_index_uncond', 'int'),
  f('correct_choice', 'int'),
  f('acc_raw', 'int'),
  f('acc_per_token', 'int'),
  f('acc_per_char', 'int'),
  f('acc_per_byte', 'int'),
  f('acc_uncond', 'int'),
  f('no_answer', 'int'),
  f('sum_logits_corr', 'double'),
  f('logits_per_token_corr', 'double'),
  f('logits_per_char_corr', 'double'),
  f('logits_per_byte_corr', 'double'),
];

/** One entry of `model_output`: one answer choice. */
export const CHOICE_FIELDS: readonly FieldSpec[] = [
  f('sum_logits', 'double', true),
  f('num_tokens', 'int', true),
  f('num_tokens_all', 'int', true),
  f('is_greedy', 'bool', true),
  f('sum_logits_uncond', 'double'),
  f('logits_per_token', 'double', true),
  f('logits_per_char', 'double', true),
  f('logits_per_byte', 'double'),
  f('num_chars', 'int', true),
];

/** What is wrong with a line; the caller adds the file and line number. */
export class LineProblem extends Error {}

export type Cell = number | boolean | string | null;

export interface ReadLine {
  docId: number;
  taskHash: string | null;
  modelHash: string | null;
  /** The qa_instances cells doc_id … logits_per_byte_corr (num_choices, line and specials follow them). */
  instanceCells: Cell[];
  /** qa_instances.specials: the non-finite metrics as JSON, or null. */
  instanceSpecials: string | null;
  /** Per answer choice: the qa_choices cells after choice_index (the typed fields, then specials). */
  choiceCells: Cell[][];
}

/** Bare NaN/±Infinity of a predictions line become marked strings, told apart from text by the NUL. */
const SPECIAL_MARK = '\u0000mlduck-special:';

/** JSON.parse, also accepting the bare NaN / ±Infinity tokens Python writes (kept marked). Throws SyntaxError. */
export function parseJsonLine(text: string): unknown {
  return parsePythonJson(text, (token) => `${SPECIAL_MARK}${token}`);
}

const INT32_MAX = 2147483647;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const expected = (t: FieldType): string =>
  t === 'int' ? 'an integer' : t === 'bool' ? 'true or false' : 'a number';

/**
 * One field's cell. Non-finite doubles become NULL and are noted in `specials` (DESIGN §5); Python bools,
 * being ints there, are accepted as 0/1 for integer fields.
 */
function cell(
  spec: FieldSpec,
  value: unknown,
  where: string,
  specials: { out: Record<string, string> | null },
): Cell {
  if (value === undefined || value === null) {
    if (spec.required) throw new LineProblem(`${where}${spec.name} is missing or not ${expected(spec.type)}`);
    return null;
  }
  switch (spec.type) {
    case 'double':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.startsWith(SPECIAL_MARK)) {
        specials.out ??= {};
        specials.out[spec.name] = value.slice(SPECIAL_MARK.length);
        return null;
      }
      break;
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT32_MAX) return value;
      if (typeof value === 'boolean') return value ? 1 : 0;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      break;
  }
  throw new LineProblem(
    `${where}${spec.name} is ${spec.required ? 'missing or ' : ''}not ${expected(spec.type)}`,
  );
}

function hash(line: Record<string, unknown>, key: string): string | null {
  const value = line[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new LineProblem(`${key} is not a string`);
  return value;
}

/** native_id as text and its kind (OLMES ids are integers or strings; anything else is kept as JSON). */
function nativeId(value: unknown): [string | null, string] {
  if (value === undefined || value === null) return [null, 'null'];
  if (typeof value === 'string') return [value, 'string'];
  if (typeof value === 'number') return [String(value), Number.isInteger(value) ? 'integer' : 'number'];
  if (typeof value === 'boolean') return [String(value), 'boolean'];
  if (valueTooDeep(value)) {
    throw new LineProblem(`native_id is JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return [JSON.stringify(value), Array.isArray(value) ? 'array' : 'object'];
}

function wholeNumber(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number') throw new LineProblem(`${name} is missing or not a number`);
  if (!Number.isInteger(value) || Math.abs(value) > max) throw new LineProblem(`${name} is not an integer`);
  return value;
}

/** Reads one parsed predictions line into typed cells; throws LineProblem naming the first problem. */
export function readPredictionsLine(line: unknown): ReadLine {
  if (!isObject(line)) throw new LineProblem('is not a JSON object');
  const docId = wholeNumber(line['doc_id'], 'doc_id', Number.MAX_SAFE_INTEGER);
  const label = wholeNumber(line['label'], 'label', INT32_MAX);
  const taskHash = hash(line, 'task_hash');
  const modelHash = hash(line, 'model_hash');
  const [native, nativeKind] = nativeId(line['native_id']);
  const metrics = line['metrics'] ?? {};
  if (!isObject(metrics)) throw new LineProblem('metrics is not an object');
  const instanceSpecials: { out: Record<string, string> | null } = { out: null };
  const instanceCells: Cell[] = [docId, native, nativeKind, label];
  for (const spec of INSTANCE_METRICS) {
    instanceCells.push(cell(spec, metrics[spec.name], 'metrics.', instanceSpecials));
  }
  const output = line['model_output'];
  if (!Array.isArray(output))
    throw new LineProblem('model_output is missing or not a list of answer choices');
  if (output.length === 0) throw new LineProblem('model_output has no answer choices');
  const choiceCells: Cell[][] = [];
  for (let i = 0; i < output.length; i++) {
    const choice: unknown = output[i];
    const where = `model_output[${i}] (answer choice ${i}): `;
    if (!isObject(choice)) throw new LineProblem(`${where}is not an object`);
    const specials: { out: Record<string, string> | null } = { out: null };
    const cells: Cell[] = [];
    for (const spec of CHOICE_FIELDS) cells.push(cell(spec, choice[spec.name], where, specials));
    cells.push(specials.out && JSON.stringify(specials.out));
    choiceCells.push(cells);
  }
  const specials = instanceSpecials.out && JSON.stringify(instanceSpecials.out);
  return { docId, taskHash, modelHash, instanceCells, instanceSpecials: specials, choiceCells };
}
