/**
 * The typed fields of an OLMES `*-predictions.jsonl` line (upstream-sources.md §5.2, the typed contract of
 * `datadec:configs/olmes.toml`), and the SQL generated from them: one `json_transform` structure that
 * parses a line once, the checks that find the first bad line, and the column lists of the inserts.
 * Pure: no I/O.
 */

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

export const INSTANCE_KEYS = [
  'doc_id',
  'native_id',
  'label',
  'task_hash',
  'model_hash',
  'metrics',
  'model_output',
] as const;

// Integers are read as DOUBLE and checked for integrality: json_transform would round 1.5 to 2.
const jsonType = (t: FieldType): string => (t === 'bool' ? 'BOOLEAN' : 'DOUBLE');
const specStruct = (specs: readonly FieldSpec[]): string =>
  `{${specs.map((s) => `"${s.name}":"${jsonType(s.type)}"`).join(',')}}`;

/** The `json_transform` structure of one predictions line. */
export const LINE_STRUCTURE = `{"doc_id":"DOUBLE","native_id":"JSON","label":"DOUBLE","task_hash":"VARCHAR","model_hash":"VARCHAR","metrics":${specStruct(
  INSTANCE_METRICS,
)},"model_output":[${specStruct(CHOICE_FIELDS)}]}`;

/** The smaller structure the choices statement parses (the questions statement has checked every line). */
export const CHOICES_STRUCTURE = `{"doc_id":"DOUBLE","model_output":[${specStruct(CHOICE_FIELDS)}]}`;

const sqlType = (t: FieldType): string => (t === 'int' ? 'INTEGER' : t === 'double' ? 'DOUBLE' : 'BOOLEAN');
const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The value of a field in SQL, typed; non-finite doubles become NULL (kept in `specials`). */
function valueSql(expr: string, spec: FieldSpec): string {
  if (spec.type === 'int') return `${expr}::INTEGER`;
  if (spec.type === 'double') return `CASE WHEN isfinite(${expr}) THEN ${expr} END`;
  return expr;
}

/**
 * `specials` (DESIGN §5: NaN and ±Inf are data, kept beside a NULL): a JSON object field → 'NaN' |
 * 'Infinity' | '-Infinity' for the non-finite doubles of the row, or NULL when there are none.
 */
function specialsSql(prefix: string, specs: readonly FieldSpec[]): string {
  const doubles = specs.filter((s) => s.type === 'double');
  const allFinite = doubles.map((s) => `coalesce(isfinite(${prefix}.${s.name}), true)`).join(' AND ');
  const entries = doubles
    .map(
      (s) =>
        `CASE WHEN NOT coalesce(isfinite(${prefix}.${s.name}), true) THEN {'k': ${quote(s.name)}, 'v': CASE WHEN isnan(${prefix}.${s.name}) THEN 'NaN' WHEN ${prefix}.${s.name} > 0 THEN 'Infinity' ELSE '-Infinity' END} END`,
    )
    .join(', ');
  return `CASE WHEN ${allFinite} THEN NULL ELSE to_json(map_from_entries(list_filter([${entries}], e -> e IS NOT NULL))) END`;
}

/** The instance columns after the key columns, as SELECT expressions over `p.r` (the parsed line). */
export function instanceValuesSql(): string {
  const metrics = INSTANCE_METRICS.map((s) => `${valueSql(`p.r.metrics.${s.name}`, s)} AS ${s.name}`);
  return [
    'p.r.doc_id::BIGINT AS doc_id',
    `CASE WHEN p.r.native_id IS NULL OR json_type(p.r.native_id) = 'NULL' THEN NULL
          WHEN json_type(p.r.native_id) = 'VARCHAR' THEN p.r.native_id ->> '$'
          ELSE p.r.native_id::VARCHAR END AS native_id`,
    `CASE json_type(p.r.native_id) WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'integer' WHEN 'UBIGINT' THEN 'integer'
          WHEN 'DOUBLE' THEN 'number' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array'
          ELSE 'null' END AS native_id_kind`,
    'p.r.label::INTEGER AS label',
    ...metrics,
    'len(p.r.model_output)::INTEGER AS num_choices',
    'p.line AS line',
    `${specialsSql('p.r.metrics', INSTANCE_METRICS)} AS specials`,
  ].join(',\n    ');
}

/** The choice columns after the key columns and doc_id, over `c` (one unnested choice). */
export function choiceValuesSql(): string {
  return [
    ...CHOICE_FIELDS.map((s) => `${valueSql(`c.${s.name}`, s)} AS ${s.name}`),
    `${specialsSql('c', CHOICE_FIELDS)} AS specials`,
  ].join(',\n    ');
}

const isInteger = (expr: string) => `(${expr} IS NOT NULL AND ${expr} <> trunc(${expr}))`;
const outOfInt32 = (expr: string) => `(${expr} IS NOT NULL AND abs(${expr}) > 2147483647)`;

/**
 * A SQL CASE over `p.r` giving the first problem of a line as text (NULL when the line is fine), so one
 * query finds the first bad line of a batch and says what is wrong with it.
 */
export function lineProblemSql(): string {
  const whens: string[] = [
    `WHEN p.r.doc_id IS NULL THEN 'doc_id is missing or not a number'`,
    `WHEN ${isInteger('p.r.doc_id')} THEN 'doc_id is not an integer'`,
    `WHEN p.r.label IS NULL THEN 'label is missing or not a number'`,
    `WHEN ${isInteger('p.r.label')} OR ${outOfInt32('p.r.label')} THEN 'label is not an integer'`,
  ];
  for (const s of INSTANCE_METRICS.filter((m) => m.type === 'int')) {
    const e = `p.r.metrics.${s.name}`;
    whens.push(`WHEN ${isInteger(e)} OR ${outOfInt32(e)} THEN 'metrics.${s.name} is not an integer'`);
  }
  whens.push(
    `WHEN p.r.task_hash IS DISTINCT FROM f.task_hash OR p.r.model_hash IS DISTINCT FROM f.model_hash THEN 'has task_hash ' || coalesce(p.r.task_hash, 'null') || ' / model_hash ' || coalesce(p.r.model_hash, 'null') || ', but the first line of the file has ' || coalesce(f.task_hash, 'null') || ' / ' || coalesce(f.model_hash, 'null')`,
  );
  whens.push(`WHEN p.r.model_output IS NULL THEN 'model_output is missing or not a list of answer choices'`);
  whens.push(`WHEN len(p.r.model_output) = 0 THEN 'model_output has no answer choices'`);
  for (const s of CHOICE_FIELDS) {
    const conditions: string[] = [];
    if (s.required) conditions.push(`c.${s.name} IS NULL`);
    if (s.type === 'int') conditions.push(isInteger(`c.${s.name}`), outOfInt32(`c.${s.name}`));
    if (conditions.length === 0) continue;
    const bad = `list_transform(p.r.model_output, c -> c IS NULL OR ${conditions.join(' OR ')})`;
    const expected = s.type === 'int' ? 'an integer' : s.type === 'bool' ? 'true or false' : 'a number';
    whens.push(
      `WHEN list_bool_or(${bad}) THEN 'model_output[' || (list_position(${bad}, true) - 1) || '] (answer choice ' || (list_position(${bad}, true) - 1) || '): ${s.name} is ${s.required ? 'missing or ' : ''}not ${expected}'`,
    );
  }
  return `CASE ${whens.join('\n      ')} END`;
}

/**
 * One cheap condition that is true for every line `lineProblemSql` would name (a single lambda over the
 * choices), so the detailed CASE runs only on the lines that have a problem.
 */
export function lineSuspectSql(): string {
  const top = [
    'p.r IS NULL',
    'p.r.doc_id IS NULL',
    isInteger('p.r.doc_id'),
    'p.r.label IS NULL',
    isInteger('p.r.label'),
    outOfInt32('p.r.label'),
    ...INSTANCE_METRICS.filter((m) => m.type === 'int').flatMap((s) => [
      isInteger(`p.r.metrics.${s.name}`),
      outOfInt32(`p.r.metrics.${s.name}`),
    ]),
    'p.r.task_hash IS DISTINCT FROM f.task_hash',
    'p.r.model_hash IS DISTINCT FROM f.model_hash',
    'p.r.model_output IS NULL',
    'len(p.r.model_output) = 0',
  ];
  const perChoice = ['c IS NULL'];
  for (const s of CHOICE_FIELDS) {
    if (s.required) perChoice.push(`c.${s.name} IS NULL`);
    if (s.type === 'int') perChoice.push(isInteger(`c.${s.name}`), outOfInt32(`c.${s.name}`));
  }
  return `(${top.join(' OR ')} OR list_bool_or(list_transform(p.r.model_output, c -> ${perChoice.join(' OR ')})))`;
}

/** Column definitions of the typed instance metrics and choice fields (for docs and tests). */
export function columnType(spec: FieldSpec): string {
  return sqlType(spec.type);
}
