/**
 * Lowering: pattern-matches the inert call records of the VM into plain data — numpy arrays and scalars,
 * pandas DataFrame/Series/Index and extension arrays, datetime values — following pickle-format.md §2.
 * This module is the traversal and the dispatch by global; what each global lowers to lives beside it:
 * numpy.ts (dtypes, arrays, scalars), lower-arrays.ts (arrays → columns), lower-index.ts (indexes),
 * lower-frame.ts (BlockManager → DataFrame / Series), lower-datetime.ts (dates, times, zones), arrow.ts (pyarrow).
 * Shared references are lowered once (identity memo); cycles, nesting beyond the depth limit and
 * "billion laughs" sharing whose expanded size exceeds the budget are refused with the path of the value.
 */
import { ArrowLayoutError, arrowColumn, arrowTable } from './arrow.ts';
import { columns, isArrayLike } from './lower-arrays.ts';
import { asFloat, type LowerContext } from './lower-context.ts';
import {
  lowerDate,
  lowerDatetime,
  lowerOffset,
  lowerPandasTimedelta,
  lowerTime,
  lowerTimedelta,
  lowerTimestamp,
  timeZone,
} from './lower-datetime.ts';
import { lowerFrame, lowerSeries } from './lower-frame.ts';
import { defaultIndex, lowerIndex } from './lower-index.ts';
import { Frame, LDict, type Lowered, LSet, LTuple, NdArray, SeriesValue } from './lowered.ts';
import {
  DEFAULT_DECODE_LIMITS,
  DecodeBudget,
  type DecodeLimits,
  type Dtype,
  LowerError,
  lowerDtype,
  lowerFromBuffer,
  lowerReconstruct,
  lowerScalar,
} from './numpy.ts';
import {
  PyBytes,
  PyCall,
  PyDict,
  PyGlobal,
  PyList,
  PySet,
  PyTuple,
  type PyValue,
  pyTypeName,
} from './values.ts';
import { PickleError } from './vm.ts';

export interface LowerLimits extends DecodeLimits {
  /** Deepest nesting of containers. */
  maxDepth: number;
  /** Values the result would have if every shared reference were copied (billion-laughs guard). */
  maxExpanded: number;
}

export const DEFAULT_LOWER_LIMITS: LowerLimits = {
  maxDepth: 500,
  maxExpanded: 200_000_000,
  ...DEFAULT_DECODE_LIMITS,
};

/** Lowers a VM result; throws PickleError naming the path of the offending value. */
export function lowerValue(root: PyValue, limits: Partial<LowerLimits> = {}): Lowered {
  const lowerer = new Lowerer({ ...DEFAULT_LOWER_LIMITS, ...limits });
  try {
    return lowerer.lower(root);
  } catch (error) {
    if (error instanceof LowerError || error instanceof RangeError) {
      const offset = error instanceof ArrowLayoutError ? error.offset : lowerer.currentOffset();
      const where = lowerer.currentPath();
      const message =
        error instanceof RangeError
          ? `nesting deeper than the stack allows (${error.message})`
          : error.message;
      throw new PickleError(`${where}: ${message}`, offset);
    }
    throw error;
  }
}

type Obj = object;

class Lowerer implements LowerContext {
  private readonly memo = new Map<Obj, Lowered>();
  private readonly sizes = new Map<Obj, number>();
  private readonly active = new Set<Obj>();
  private readonly path: (string | number)[] = [];
  private readonly calls: PyCall[] = [];
  readonly budget: DecodeBudget;

  constructor(private readonly limits: LowerLimits) {
    this.budget = new DecodeBudget(limits);
  }

  currentPath(): string {
    let out = '$';
    for (const seg of this.path) out += typeof seg === 'number' ? `[${seg}]` : `.${seg}`;
    return out;
  }

  currentOffset(): number {
    return this.calls.at(-1)?.offset ?? 0;
  }

  fail(message: string): never {
    throw new LowerError(message);
  }

  /** Expanded size of a container: its elements counted with multiplicity. */
  private account(obj: Obj, size: number): void {
    if (size > this.limits.maxExpanded) {
      this.fail(
        `expanded size exceeds the limit of ${this.limits.maxExpanded} values (shared-reference bomb?)`,
      );
    }
    this.sizes.set(obj, size);
  }

  private sizeOf(value: PyValue): number {
    return value !== null && typeof value === 'object' ? (this.sizes.get(value) ?? 1) : 1;
  }

  at<T>(segment: string | number, fn: () => T): T {
    this.path.push(segment);
    const out = fn();
    this.path.pop();
    return out;
  }

  lower(value: PyValue): Lowered {
    if (value === null || typeof value !== 'object') return value;
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    if (this.active.has(value)) this.fail(`cycle: the value contains itself (${pyTypeName(value)})`);
    if (this.active.size >= this.limits.maxDepth)
      this.fail(`nesting deeper than the limit of ${this.limits.maxDepth}`);
    this.active.add(value);
    if (value instanceof PyCall) this.calls.push(value);
    const out = this.lowerObject(value);
    if (value instanceof PyCall) this.calls.pop();
    this.active.delete(value);
    this.memo.set(value, out);
    return out;
  }

  private lowerItems(owner: Obj, items: readonly PyValue[]): Lowered[] {
    const out = new Array<Lowered>(items.length);
    let size = 1;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item !== null && typeof item === 'object') {
        this.path.push(i);
        out[i] = this.lower(item);
        this.path.pop();
        size += this.sizeOf(item);
      } else {
        out[i] = item;
        size++;
      }
    }
    this.account(owner, size);
    return out;
  }

  private lowerObject(value: Exclude<PyValue, null | boolean | number | bigint | string>): Lowered {
    if (value instanceof PyBytes) return value.data;
    if (value instanceof PyList) return this.lowerItems(value, value.items);
    if (value instanceof PyTuple) return new LTuple(this.lowerItems(value, value.items));
    if (value instanceof PySet)
      return new LSet(this.lowerItems(value, [...value.items.values()]), value.frozen);
    if (value instanceof PyDict) {
      const flat: PyValue[] = [];
      for (const { key, value: v } of value.entries.values()) flat.push(key, v);
      const lowered = this.lowerItems(value, flat);
      const entries: [Lowered, Lowered][] = [];
      for (let i = 0; i < lowered.length; i += 2) entries.push([lowered[i]!, lowered[i + 1]!]);
      return new LDict(entries);
    }
    if (value instanceof PyGlobal) {
      if (value.name === 'pandas._libs.missing.NA') return { $: 'na' };
      this.fail(`global ${value.written} cannot be used as data`);
    }
    const out = this.lowerCall(value);
    // Calls reach their data without lower() (e.g. the element list of an object array), so their expanded
    // size is summed over the arguments and state here: shared references inside array cells count too.
    const visiting = new Set<object>();
    const size = 1 + this.nestedSize(value.args, visiting) + this.nestedSize(value.state ?? null, visiting);
    this.account(value, Math.max(size, out instanceof Frame ? out.rows * out.columns.length + 1 : 1));
    return out;
  }

  /** Expanded size of raw VM values, reusing the sizes of values already lowered. */
  private nestedSize(value: PyValue | readonly PyValue[], visiting: Set<object>): number {
    if (value === null || typeof value !== 'object') return 1;
    if (!Array.isArray(value)) {
      const known = this.sizes.get(value as object);
      if (known !== undefined) return known;
      if (visiting.has(value as object)) return 1;
    }
    visiting.add(value as object);
    let items: readonly PyValue[];
    if (Array.isArray(value)) items = value;
    else if (value instanceof PyList || value instanceof PyTuple) items = value.items;
    else if (value instanceof PyDict) items = [...value.entries.values()].flatMap((e) => [e.key, e.value]);
    else if (value instanceof PyCall) items = [...value.args, value.state ?? null];
    else return 1;
    let size = 1;
    for (const item of items) {
      size += this.nestedSize(item, visiting);
      if (size > this.limits.maxExpanded) break;
    }
    return size;
  }

  // ── calls ────────────────────────────────────────────────────────────────

  private lowerCall(call: PyCall): Lowered {
    const a = call.args;
    switch (call.fn.name) {
      case 'numpy.dtype':
        return this.dtype(call).name;
      case 'numpy._core.multiarray._reconstruct':
        if (!(a[0] instanceof PyGlobal) || a[0].name !== 'numpy.ndarray') {
          this.fail('_reconstruct is only allowed for numpy.ndarray');
        }
        return lowerReconstruct(
          call,
          (d) => this.dtypeOf(d),
          (v, i) => this.at(i, () => this.lower(v)),
          this.budget,
        );
      case 'numpy._core.numeric._frombuffer':
        return lowerFromBuffer(call, (d) => this.dtypeOf(d), this.budget);
      case 'numpy._core.multiarray.scalar':
        return lowerScalar(
          call,
          (d) => this.dtypeOf(d),
          (v) => this.lower(v),
          this.budget,
        );
      case 'builtins.complex':
        return { $: 'complex', re: asFloat(a[0] ?? 0), im: asFloat(a[1] ?? 0) };
      case 'builtins.slice':
        return {
          $: 'slice',
          start: this.lower(a[0] ?? null),
          stop: this.lower(a[1] ?? null),
          step: this.lower(a[2] ?? null),
        };
      case 'datetime.datetime':
        return lowerDatetime(call);
      case 'datetime.date':
        return lowerDate(call);
      case 'datetime.time':
        return lowerTime(call);
      case 'datetime.timedelta':
        return lowerTimedelta(call);
      case 'datetime.timezone':
      case 'pytz._p':
      case 'pytz._UTC':
      case 'zoneinfo.ZoneInfo._unpickle': {
        const tz = timeZone(call);
        return { $: 'tz', name: tz.name, offsetSeconds: tz.offsetSeconds };
      }
      case 'pandas._libs.tslibs.nattype.__nat_unpickle':
        return { $: 'nat' };
      case 'pandas._libs.tslibs.timestamps._unpickle_timestamp':
      case 'pandas._libs.tslibs.timestamps.Timestamp':
        return lowerTimestamp(call);
      case 'pandas._libs.tslibs.timedeltas._timedelta_unpickle':
        return lowerPandasTimedelta(call);
      case 'pyarrow.lib._restore_array':
      case 'pyarrow.lib.chunked_array': {
        const col = arrowColumn(call, this.budget, call.offset);
        return new SeriesValue(null, col, defaultIndex(col.length));
      }
      case 'pyarrow.lib._reconstruct_table':
      case 'pyarrow.lib._reconstruct_record_batch': {
        const table = arrowTable(call, this.budget);
        return new Frame(table.names, table.columns, defaultIndex(table.rows), table.rows);
      }
      case 'pandas.core.frame.DataFrame':
        return lowerFrame(this, call);
      case 'pandas.core.series.Series':
        return lowerSeries(this, call);
      case 'pandas.core.indexes.base._new_Index':
      case 'pandas.core.indexes.datetimes._new_DatetimeIndex':
        return lowerIndex(this, call);
      default:
        if (call.fn.name.startsWith('pandas._libs.tslibs.offsets.')) return lowerOffset(call);
        if (isArrayLike(call)) {
          const cols = columns(this, call);
          if (cols.length !== 1) this.fail('2-D extension arrays are only supported inside DataFrames');
          return new NdArray(cols[0]!.dtype, [cols[0]!.length], cols[0]!);
        }
        this.fail(`${call.fn.written} cannot be read as data here`);
    }
  }

  private dtype(call: PyCall): Dtype {
    try {
      return lowerDtype(call);
    } catch (error) {
      if (error instanceof LowerError) this.fail(error.message);
      throw error;
    }
  }

  dtypeOf(v: PyValue): Dtype {
    if (v instanceof PyCall && v.fn.name === 'numpy.dtype') return this.dtype(v);
    this.fail(`expected a numpy dtype, got ${pyTypeName(v)}`);
  }
}
