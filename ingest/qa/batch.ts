/**
 * Questions read from predictions lines, gathered column by column into typed arrays, so a batch crosses
 * from the reading thread to the writing one by transfer (no copy, no per-value cloning). In the number
 * columns NaN stands for NULL: a non-finite double is stored NULL anyway (with a `specials` note).
 * Pure: no I/O.
 */
import { type Cell, CHOICE_FIELDS, INSTANCE_METRICS, type ReadLine } from './fields.ts';

export interface QuestionBatch {
  /** Index of the predictions file in the unit (the order files were met). */
  file: number;
  questions: number;
  docId: Float64Array;
  line: Float64Array;
  label: Float64Array;
  numChoices: Float64Array;
  nativeId: (string | null)[];
  nativeIdKind: string[];
  /** One column per INSTANCE_METRICS field. */
  metrics: Float64Array[];
  /** [question index, JSON] of the questions that have non-finite metrics. */
  instanceSpecials: [number, string][];
  choices: number;
  choiceDocId: Float64Array;
  choiceIndex: Float64Array;
  /** One column per CHOICE_FIELDS field (booleans as 0/1). */
  choiceFields: Float64Array[];
  choiceSpecials: [number, string][];
}

const number = (cell: Cell): number =>
  cell === null ? Number.NaN : typeof cell === 'boolean' ? (cell ? 1 : 0) : (cell as number);

/** Gathers questions until `full`, then hands out the batch and starts a new one. */
export class QuestionBatchBuilder {
  private batch: QuestionBatch;

  constructor(
    private readonly file: number,
    private readonly capacity: number,
  ) {
    this.batch = this.empty(capacity * 4);
  }

  get full(): boolean {
    return this.batch.questions >= this.capacity;
  }

  get size(): number {
    return this.batch.questions;
  }

  add(read: ReadLine, line: number): void {
    const b = this.batch;
    const q = b.questions++;
    const cells = read.instanceCells;
    b.docId[q] = read.docId;
    b.nativeId.push(cells[1] as string | null);
    b.nativeIdKind.push(cells[2] as string);
    b.label[q] = cells[3] as number;
    for (let m = 0; m < INSTANCE_METRICS.length; m++)
      (b.metrics[m] as Float64Array)[q] = number(cells[4 + m] as Cell);
    b.numChoices[q] = read.choiceCells.length;
    b.line[q] = line;
    if (read.instanceSpecials !== null) b.instanceSpecials.push([q, read.instanceSpecials]);
    if (b.choices + read.choiceCells.length > b.choiceDocId.length)
      this.growChoices(b.choices + read.choiceCells.length);
    for (let i = 0; i < read.choiceCells.length; i++) {
      const c = this.batch.choices++;
      const choice = read.choiceCells[i] as Cell[];
      this.batch.choiceDocId[c] = read.docId;
      this.batch.choiceIndex[c] = i;
      for (let f = 0; f < CHOICE_FIELDS.length; f++)
        (this.batch.choiceFields[f] as Float64Array)[c] = number(choice[f] as Cell);
      const specials = choice[CHOICE_FIELDS.length] as string | null;
      if (specials !== null) this.batch.choiceSpecials.push([c, specials]);
    }
  }

  /** The batch so far (views of its size) and the buffers to transfer; starts a new batch. */
  take(): { batch: QuestionBatch; transfer: ArrayBuffer[] } {
    const b = this.batch;
    const q = b.questions;
    const c = b.choices;
    const batch: QuestionBatch = {
      ...b,
      docId: b.docId.subarray(0, q),
      line: b.line.subarray(0, q),
      label: b.label.subarray(0, q),
      numChoices: b.numChoices.subarray(0, q),
      metrics: b.metrics.map((m) => m.subarray(0, q)),
      choiceDocId: b.choiceDocId.subarray(0, c),
      choiceIndex: b.choiceIndex.subarray(0, c),
      choiceFields: b.choiceFields.map((f) => f.subarray(0, c)),
    };
    this.batch = this.empty(Math.max(c, this.capacity));
    const arrays = [
      batch.docId,
      batch.line,
      batch.label,
      batch.numChoices,
      ...batch.metrics,
      batch.choiceDocId,
      batch.choiceIndex,
      ...batch.choiceFields,
    ];
    return { batch, transfer: arrays.map((a) => a.buffer as ArrayBuffer) };
  }

  private empty(choiceCapacity: number): QuestionBatch {
    const questions = () => new Float64Array(this.capacity);
    const choices = () => new Float64Array(choiceCapacity);
    return {
      file: this.file,
      questions: 0,
      docId: questions(),
      line: questions(),
      label: questions(),
      numChoices: questions(),
      nativeId: [],
      nativeIdKind: [],
      metrics: INSTANCE_METRICS.map(questions),
      instanceSpecials: [],
      choices: 0,
      choiceDocId: choices(),
      choiceIndex: choices(),
      choiceFields: CHOICE_FIELDS.map(choices),
      choiceSpecials: [],
    };
  }

  private growChoices(needed: number): void {
    const b = this.batch;
    const size = Math.max(needed, b.choiceDocId.length * 2);
    const grow = (a: Float64Array) => {
      const bigger = new Float64Array(size);
      bigger.set(a);
      return bigger;
    };
    b.choiceDocId = grow(b.choiceDocId);
    b.choiceIndex = grow(b.choiceIndex);
    b.choiceFields = b.choiceFields.map(grow);
  }
}
