import { describe, expect, it } from 'vitest';
import { QuestionBatchBuilder } from '../../ingest/qa/batch.ts';
import {
  CHOICE_FIELDS,
  INSTANCE_METRICS,
  LineProblem,
  parseJsonLine,
  readPredictionsLine,
} from '../../ingest/qa/fields.ts';
import { LineDecodeError, LineSplitter } from '../../ingest/qa/lines.ts';

function split(chunks: Buffer[]): [string, number][] {
  const out: [string, number][] = [];
  const splitter = new LineSplitter((text, line) => out.push([text, line]));
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return out;
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const end of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, end));
    start = end;
  }
  return chunks;
}

describe('qa LineSplitter', () => {
  const text = '{"a":"é"}\n\n{"b":"日本"}\r\n{"c":1}';
  const bytes = Buffer.from(text, 'utf8');
  const expected: [string, number][] = [
    ['{"a":"é"}', 1],
    ['', 2],
    ['{"b":"日本"}\r', 3],
    ['{"c":1}', 4],
  ];

  it('gives the same numbered lines wherever the chunks are cut, inside characters too', () => {
    expect(split([bytes])).toEqual(expected);
    for (let at = 0; at <= bytes.length; at++) expect(split(cut(bytes, [at]))).toEqual(expected);
    expect(split(cut(bytes, [...bytes.keys()].slice(1)))).toEqual(expected);
  });

  it('names the first line that is not UTF-8, wherever it falls in a chunk', () => {
    const bad = Buffer.concat([
      Buffer.from('{"a":1}\n{"b":2}\n{"c":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
    ]);
    for (const chunks of [[bad], cut(bad, [3]), cut(bad, [17, 20])]) {
      const error = (() => {
        try {
          split(chunks);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(LineDecodeError);
      expect((error as LineDecodeError).line).toBe(3);
    }
  });
});

describe('qa predictions line', () => {
  const choice = {
    sum_logits: -3.5,
    num_tokens: 2,
    num_tokens_all: 180,
    is_greedy: false,
    sum_logits_uncond: -8,
    logits_per_token: -1.75,
    logits_per_char: -0.25,
    logits_per_byte: 0.3,
    num_chars: 14,
  };
  const line = {
    doc_id: 7,
    native_id: 'Mercury_7',
    label: 1,
    task_hash: 't',
    model_hash: 'm',
    metrics: { predicted_index_raw: 1, acc_raw: 1, sum_logits_corr: -3.5, no_answer: false },
    model_output: [choice, { ...choice, is_greedy: true }],
  };

  it('types every field in table order; absent optional fields are null', () => {
    const read = readPredictionsLine(line);
    expect(read.docId).toBe(7);
    expect([read.taskHash, read.modelHash]).toEqual(['t', 'm']);
    const metrics = Object.fromEntries(INSTANCE_METRICS.map((s, i) => [s.name, read.instanceCells[4 + i]]));
    expect(read.instanceCells.slice(0, 4)).toEqual([7, 'Mercury_7', 'string', 1]);
    expect(metrics).toMatchObject({
      predicted_index_raw: 1,
      predicted_index_per_byte: null,
      acc_raw: 1,
      no_answer: 0,
      sum_logits_corr: -3.5,
      logits_per_byte_corr: null,
    });
    expect(read.instanceCells).toHaveLength(4 + INSTANCE_METRICS.length);
    expect(read.instanceSpecials).toBeNull();
    expect(read.choiceCells).toHaveLength(2);
    expect(read.choiceCells[1]).toEqual([
      ...CHOICE_FIELDS.map((s) => (s.name === 'is_greedy' ? true : choice[s.name as keyof typeof choice])),
      null,
    ]);
  });

  it('reads native ids of every kind as text and kind', () => {
    const kinds = [
      [12, '12', 'integer'],
      [null, null, 'null'],
      [undefined, null, 'null'],
      [1.5, '1.5', 'number'],
      [{ q: 1 }, '{"q":1}', 'object'],
    ] as const;
    for (const [value, text, kind] of kinds) {
      expect(readPredictionsLine({ ...line, native_id: value }).instanceCells.slice(1, 3)).toEqual([
        text,
        kind,
      ]);
    }
  });

  it("parses Python's bare NaN and ±Infinity as NULL cells noted in specials, not inside strings", () => {
    const text = JSON.stringify(line)
      .replace('"sum_logits_corr":-3.5', '"sum_logits_corr":NaN')
      .replace('"logits_per_byte":0.3', '"logits_per_byte":-Infinity')
      .replace('"Mercury_7"', '"NaN Infinity"');
    const read = readPredictionsLine(parseJsonLine(text));
    expect(read.instanceCells[1]).toBe('NaN Infinity');
    expect(read.instanceSpecials).toBe('{"sum_logits_corr":"NaN"}');
    expect(read.choiceCells[0]?.at(-1)).toBe('{"logits_per_byte":"-Infinity"}');
    expect(read.choiceCells[0]?.[CHOICE_FIELDS.findIndex((s) => s.name === 'logits_per_byte')]).toBeNull();
    expect(() => parseJsonLine('{"a": NaNa}')).toThrow(SyntaxError);
  });

  it('names the first problem of a bad line', () => {
    const problem = (value: unknown) => {
      try {
        readPredictionsLine(value);
      } catch (e) {
        expect(e).toBeInstanceOf(LineProblem);
        return (e as Error).message;
      }
      return null;
    };
    expect(problem([1])).toBe('is not a JSON object');
    expect(problem({ ...line, doc_id: '7' })).toBe('doc_id is missing or not a number');
    expect(problem({ ...line, doc_id: 7.5 })).toBe('doc_id is not an integer');
    expect(problem({ ...line, label: 2 ** 40 })).toBe('label is not an integer');
    expect(problem({ ...line, task_hash: 5 })).toBe('task_hash is not a string');
    expect(problem({ ...line, metrics: [1] })).toBe('metrics is not an object');
    expect(problem({ ...line, metrics: { acc_raw: 0.5 } })).toBe('metrics.acc_raw is not an integer');
    expect(problem({ ...line, metrics: { sum_logits_corr: 'x' } })).toBe(
      'metrics.sum_logits_corr is not a number',
    );
    expect(problem({ ...line, model_output: {} })).toBe(
      'model_output is missing or not a list of answer choices',
    );
    expect(problem({ ...line, model_output: [] })).toBe('model_output has no answer choices');
    expect(problem({ ...line, model_output: [choice, 3] })).toBe(
      'model_output[1] (answer choice 1): is not an object',
    );
    expect(problem({ ...line, model_output: [choice, { ...choice, num_chars: undefined }] })).toBe(
      'model_output[1] (answer choice 1): num_chars is missing or not an integer',
    );
    expect(problem({ ...line, model_output: [{ ...choice, is_greedy: 1 }] })).toBe(
      'model_output[0] (answer choice 0): is_greedy is missing or not true or false',
    );
    expect(problem({ ...line, model_output: [{ ...choice, logits_per_byte: null }] })).toBeNull();
  });
});

describe('qa question batches', () => {
  const choice = (sum: number) => ({
    sum_logits: sum,
    num_tokens: 2,
    num_tokens_all: 9,
    is_greedy: sum > -1,
    logits_per_token: sum / 2,
    logits_per_char: sum / 4,
    num_chars: 8,
  });
  const read = (docId: number, choices: number) =>
    readPredictionsLine({
      doc_id: docId,
      native_id: docId,
      label: 0,
      metrics: { acc_raw: 1 },
      model_output: Array.from({ length: choices }, (_, i) => choice(-i)),
    });

  it('gathers questions by column, NaN for NULL, growing the choice columns, one batch per capacity', () => {
    const builder = new QuestionBatchBuilder(3, 2);
    builder.add(read(10, 2), 1);
    expect(builder.full).toBe(false);
    builder.add(read(11, 9), 3);
    expect(builder.full).toBe(true);
    const { batch, transfer } = builder.take();
    expect(builder.size).toBe(0);
    expect(batch.file).toBe(3);
    expect([batch.questions, batch.choices]).toEqual([2, 11]);
    expect([...batch.docId]).toEqual([10, 11]);
    expect([...batch.line]).toEqual([1, 3]);
    expect([...batch.numChoices]).toEqual([2, 9]);
    expect(batch.nativeId).toEqual(['10', '11']);
    const acc = INSTANCE_METRICS.findIndex((m) => m.name === 'acc_raw');
    const byte = INSTANCE_METRICS.findIndex((m) => m.name === 'acc_per_byte');
    expect([...(batch.metrics[acc] as Float64Array)]).toEqual([1, 1]);
    expect([...(batch.metrics[byte] as Float64Array)].every(Number.isNaN)).toBe(true);
    expect([...batch.choiceDocId]).toEqual([10, 10, ...Array(9).fill(11)]);
    expect([...batch.choiceIndex]).toEqual([0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const greedy = CHOICE_FIELDS.findIndex((f) => f.name === 'is_greedy');
    expect([...(batch.choiceFields[greedy] as Float64Array)].slice(0, 3)).toEqual([1, 0, 1]);
    expect(transfer.length).toBe(4 + INSTANCE_METRICS.length + 2 + CHOICE_FIELDS.length);
  });
});
