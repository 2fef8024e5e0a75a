/**
 * Lowering: pattern-matches the inert call records of the VM into plain data — numpy arrays and scalars,
 * pandas DataFrame/Series/Index and extension arrays, datetime values — following pickle-format.md §2.
 * Shared references are lowered once (identity memo); cycles, nesting beyond the depth limit and
 * "billion laughs" sharing whose expanded size exceeds the budget are refused with the path of the value.
 */
import { ArrowLayoutError, arrowColumn, arrowTable } from './arrow.ts';
import {
  type Column,
  type ColumnData,
  Frame,
  IndexValue,
  LDict,
  type Lowered,
  LSet,
  LTuple,
  NdArray,
  type RangeSpec,
  rangeLength,
  SeriesValue,
  type TimeUnit,
  UNIT_NS,
} from './lowered.ts';
import {
  cellOf,
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

const NPY_UNITS: Record<number, TimeUnit> = { 7: 's', 8: 'ms', 9: 'us', 10: 'ns' };
const MASKED_NAMES: Record<string, string> = {
  int8: 'Int8',
  int16: 'Int16',
  int32: 'Int32',
  int64: 'Int64',
  uint8: 'UInt8',
  uint16: 'UInt16',
  uint32: 'UInt32',
  uint64: 'UInt64',
  float32: 'Float32',
  float64: 'Float64',
  bool: 'boolean',
};

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function offsetText(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  return `${sign}${pad(h)}:${pad(m)}${s ? `:${pad(s)}` : ''}`;
}

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

class Lowerer {
  private readonly memo = new Map<Obj, Lowered>();
  private readonly sizes = new Map<Obj, number>();
  private readonly active = new Set<Obj>();
  private readonly path: (string | number)[] = [];
  private readonly calls: PyCall[] = [];
  private readonly budget: DecodeBudget;

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

  private fail(message: string): never {
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

  private at<T>(segment: string | number, fn: () => T): T {
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
        return { $: 'complex', re: this.float(a[0] ?? 0), im: this.float(a[1] ?? 0) };
      case 'builtins.slice':
        return {
          $: 'slice',
          start: this.lower(a[0] ?? null),
          stop: this.lower(a[1] ?? null),
          step: this.lower(a[2] ?? null),
        };
      case 'datetime.datetime':
        return this.datetime(call);
      case 'datetime.date': {
        const b = this.bytesArg(a[0], 4, 'date');
        return { $: 'date', iso: `${pad(b[0]! * 256 + b[1]!, 4)}-${pad(b[2]!)}-${pad(b[3]!)}` };
      }
      case 'datetime.time': {
        const b = this.bytesArg(a[0], 6, 'time');
        const us = (b[3]! << 16) | (b[4]! << 8) | b[5]!;
        const tz = a[1] === undefined || a[1] === null ? null : this.tz(a[1]);
        const off = tz?.offsetSeconds;
        return {
          $: 'time',
          iso: `${pad(b[0]! & 0x7f)}:${pad(b[1]!)}:${pad(b[2]!)}${us ? `.${pad(us, 6)}` : ''}${off == null ? '' : offsetText(off)}`,
        };
      }
      case 'datetime.timedelta':
        return {
          $: 'timedelta',
          days: this.int(a[0] ?? 0n),
          seconds: this.int(a[1] ?? 0n),
          microseconds: this.int(a[2] ?? 0n),
        };
      case 'datetime.timezone':
      case 'pytz._p':
      case 'pytz._UTC':
      case 'zoneinfo.ZoneInfo._unpickle': {
        const tz = this.tz(call);
        return { $: 'tz', name: tz.name, offsetSeconds: tz.offsetSeconds };
      }
      case 'pandas._libs.tslibs.nattype.__nat_unpickle':
        return { $: 'nat' };
      case 'pandas._libs.tslibs.timestamps._unpickle_timestamp':
      case 'pandas._libs.tslibs.timestamps.Timestamp': {
        const value = a[0];
        if (typeof value !== 'bigint') this.fail('Timestamp value must be an int');
        const reso = a[3] === undefined ? 10 : this.int(a[3]);
        const unit = NPY_UNITS[reso];
        if (!unit) this.fail(`Timestamp resolution ${reso} is not supported`);
        const tz = a[2] === undefined || a[2] === null ? null : this.tz(a[2]).name;
        return { $: 'timestamp', ns: value * UNIT_NS[unit], tz };
      }
      case 'pandas._libs.tslibs.timedeltas._timedelta_unpickle': {
        const value = a[0];
        if (typeof value !== 'bigint') this.fail('Timedelta value must be an int');
        const unit = NPY_UNITS[a[1] === undefined ? 10 : this.int(a[1])];
        if (!unit) this.fail('Timedelta resolution is not supported');
        return { $: 'timedelta64', value: value * UNIT_NS[unit], unit: 'ns' };
      }
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
        return this.frame(call);
      case 'pandas.core.series.Series':
        return this.series(call);
      case 'pandas.core.indexes.base._new_Index':
      case 'pandas.core.indexes.datetimes._new_DatetimeIndex':
        return this.index(call);
      default:
        if (call.fn.name.startsWith('pandas._libs.tslibs.offsets.')) {
          return {
            $: 'offset',
            name: call.fn.name.slice('pandas._libs.tslibs.offsets.'.length),
            n: a[0] === undefined ? 1 : this.int(a[0]),
          };
        }
        if (this.isArrayLike(call)) {
          const cols = this.columns(call);
          if (cols.length !== 1) this.fail('2-D extension arrays are only supported inside DataFrames');
          return new NdArray(cols[0]!.dtype, [cols[0]!.length], cols[0]!);
        }
        this.fail(`${call.fn.written} cannot be read as data here`);
    }
  }

  private int(v: PyValue): number {
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    this.fail(`expected an int, got ${pyTypeName(v)}`);
  }

  private float(v: PyValue): number {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    this.fail(`expected a number, got ${pyTypeName(v)}`);
  }

  private bytesArg(v: PyValue | undefined, length: number, what: string): Uint8Array {
    if (v instanceof PyBytes && v.data.length === length) return v.data;
    if (typeof v === 'string' && v.length === length)
      return Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff);
    this.fail(`datetime.${what}: expected ${length} state bytes`);
  }

  private datetime(call: PyCall): Lowered {
    const b = this.bytesArg(call.args[0], 10, 'datetime');
    const year = b[0]! * 256 + b[1]!;
    const month = b[2]! & 0x7f;
    const [day, hour, minute, second] = [b[3]!, b[4]!, b[5]!, b[6]!];
    const us = (b[7]! << 16) | (b[8]! << 8) | b[9]!;
    const tzArg = call.args[1];
    const tz = tzArg === undefined || tzArg === null ? null : this.tz(tzArg);
    const off = tz?.offsetSeconds ?? null;
    const iso =
      `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}` +
      `${us ? `.${pad(us, 6)}` : ''}${off === null ? '' : offsetText(off)}`;
    const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
    const epochMicros = BigInt(epochMs) * 1000n + BigInt(us) - BigInt(off ?? 0) * 1_000_000n;
    return { $: 'datetime', iso, epochMicros };
  }

  /** A time zone object as its name (`str(tz)` in Python) and fixed offset when it has one. */
  private tz(v: PyValue): { name: string; offsetSeconds: number | null } {
    if (!(v instanceof PyCall)) this.fail(`expected a time zone, got ${pyTypeName(v)}`);
    const a = v.args;
    switch (v.fn.name) {
      case 'pytz._UTC':
        return { name: 'UTC', offsetSeconds: 0 };
      case 'pytz._p': {
        if (typeof a[0] !== 'string') this.fail('pytz zone name must be a string');
        return { name: a[0], offsetSeconds: typeof a[1] === 'bigint' ? Number(a[1]) : null };
      }
      case 'zoneinfo.ZoneInfo._unpickle':
        if (typeof a[0] !== 'string') this.fail('zoneinfo key must be a string');
        return { name: a[0], offsetSeconds: null };
      case 'datetime.timezone': {
        const td = a[0];
        if (!(td instanceof PyCall) || td.fn.name !== 'datetime.timedelta')
          this.fail('timezone needs a timedelta');
        const seconds = this.int(td.args[0] ?? 0n) * 86400 + this.int(td.args[1] ?? 0n);
        if (typeof a[1] === 'string') return { name: a[1], offsetSeconds: seconds };
        return { name: seconds === 0 ? 'UTC' : `UTC${offsetText(seconds)}`, offsetSeconds: seconds };
      }
    }
    this.fail(`time zone ${v.fn.written} is not supported`);
  }

  private dtype(call: PyCall): Dtype {
    try {
      return lowerDtype(call);
    } catch (error) {
      if (error instanceof LowerError) this.fail(error.message);
      throw error;
    }
  }

  private dtypeOf(v: PyValue): Dtype {
    if (v instanceof PyCall && v.fn.name === 'numpy.dtype') return this.dtype(v);
    this.fail(`expected a numpy dtype, got ${pyTypeName(v)}`);
  }

  // ── arrays → columns ─────────────────────────────────────────────────────

  private isArrayLike(v: PyValue): boolean {
    if (!(v instanceof PyCall)) return false;
    const n = v.fn.name;
    return (
      n === 'numpy._core.multiarray._reconstruct' ||
      n === 'numpy._core.numeric._frombuffer' ||
      n === 'pandas._libs.arrays.__pyx_unpickle_NDArrayBacked' ||
      n === 'pandas.core.arrays.integer.IntegerArray' ||
      n === 'pandas.core.arrays.floating.FloatingArray' ||
      n === 'pandas.core.arrays.boolean.BooleanArray' ||
      n === 'pandas.core.arrays.categorical.Categorical' ||
      n === 'pandas.core.arrays.string_.StringArray' ||
      n === 'pandas.core.arrays.datetimes.DatetimeArray' ||
      ARROW_BACKED.has(n)
    );
  }

  private ndarray(v: PyValue | undefined, what: string): NdArray {
    const out = v === undefined ? null : this.lower(v);
    if (!(out instanceof NdArray))
      this.fail(`${what}: expected a numpy array, got ${v === undefined ? 'nothing' : pyTypeName(v)}`);
    return out;
  }

  /** An array-like value (1-D → one column, 2-D → one column per row of the block). */
  private columns(v: PyValue): Column[] {
    if (!(v instanceof PyCall)) this.fail(`expected an array, got ${pyTypeName(v)}`);
    const name = v.fn.name;
    if (name === 'numpy._core.multiarray._reconstruct' || name === 'numpy._core.numeric._frombuffer') {
      return splitRows(this.ndarray(v, 'block values'));
    }
    if (name === 'pandas._libs.arrays.__pyx_unpickle_NDArrayBacked') return this.ndarrayBacked(v);
    if (ARROW_BACKED.has(name)) return [this.arrowBacked(v)];
    if (
      name === 'pandas.core.arrays.integer.IntegerArray' ||
      name === 'pandas.core.arrays.floating.FloatingArray' ||
      name === 'pandas.core.arrays.boolean.BooleanArray'
    ) {
      return [this.masked(v)];
    }
    this.fail(`${v.fn.written} is not supported as array data`);
  }

  private column(v: PyValue, what: string): Column {
    const cols = this.columns(v);
    if (cols.length !== 1) this.fail(`${what}: expected a 1-D array`);
    return cols[0]!;
  }

  /** `ArrowExtensionArray` / `ArrowStringArray`: state {_pa_array: pyarrow (chunked) array, _dtype}. */
  private arrowBacked(call: PyCall): Column {
    const state = call.state;
    if (!(state instanceof PyDict)) this.fail(`${call.fn.written} without state`);
    const array = state.get('_pa_array') ?? state.get('_data');
    if (call.fn.name === 'pandas.core.arrays.arrow.array.ArrowExtensionArray') {
      return arrowColumn(array, this.budget, call.offset);
    }
    // StringDtype(storage, na_value): pandas 3's default `str` has na_value NaN, `string` has pandas.NA
    const dtype = state.get('_dtype');
    const naValue = dtype instanceof PyCall ? dtype.args[1] : undefined;
    const nanSemantics =
      call.fn.name === 'pandas.core.arrays.string_arrow.ArrowStringArrayNumpySemantics' ||
      (typeof naValue === 'number' && Number.isNaN(naValue));
    const col = arrowColumn(
      array,
      this.budget,
      call.offset,
      nanSemantics ? 'str' : 'string',
      nanSemantics ? 'nan' : 'na',
    );
    if (col.data.kind !== 'object' || !col.data.strings)
      this.fail(`${call.fn.written}: the pyarrow array holds no strings`);
    return col;
  }

  private masked(call: PyCall): Column {
    const state = call.state;
    if (!(state instanceof PyDict)) this.fail(`${call.fn.written} without state`);
    const data = this.at('_data', () => this.ndarray(state.get('_data'), '_data'));
    const mask = this.at('_mask', () => this.ndarray(state.get('_mask'), '_mask'));
    if (mask.column.data.kind !== 'bool' || mask.column.length !== data.column.length) {
      this.fail('masked array: _mask must be a bool array of the same length');
    }
    const dtype = MASKED_NAMES[data.dtype];
    const d = data.column.data;
    if (!dtype || (d.kind !== 'int' && d.kind !== 'float' && d.kind !== 'bool')) {
      this.fail(`masked array of ${data.dtype} is not supported`);
    }
    return { dtype, data: { ...d, mask: mask.column.data.values } as ColumnData, length: data.column.length };
  }

  private ndarrayBacked(call: PyCall): Column[] {
    const cls = call.args[0];
    if (!(cls instanceof PyGlobal)) this.fail('NDArrayBacked: expected a class');
    let state = call.state;
    if (state instanceof PyTuple && state.items.length === 1 && state.items[0] instanceof PyDict)
      state = state.items[0];
    let dtypeValue: PyValue | undefined;
    let arrayValue: PyValue | undefined;
    if (state instanceof PyTuple) {
      for (const item of state.items) {
        if (item instanceof PyCall && this.isArrayLike(item)) arrayValue = item;
        else if (item instanceof PyCall) dtypeValue = item;
      }
    } else if (state instanceof PyDict) {
      arrayValue = state.get('_ndarray') ?? state.get('_data');
      dtypeValue = state.get('_dtype');
    }
    if (arrayValue === undefined || dtypeValue === undefined)
      this.fail(`${cls.written}: state without dtype and data`);
    const arr = this.at('_ndarray', () => this.ndarray(arrayValue, `${cls.written} data`));
    const cols = splitRows(arr);
    const dtype = dtypeValue as PyCall;
    switch (cls.name) {
      case 'pandas.core.arrays.datetimes.DatetimeArray': {
        let tz: string | null = null;
        let unit = cols[0]?.data.kind === 'datetime' ? cols[0].data.unit : 'ns';
        if (dtype.fn.name === 'pandas.core.dtypes.dtypes.DatetimeTZDtype') {
          const s = dtype.state;
          if (!(s instanceof PyDict)) this.fail('DatetimeTZDtype without state');
          tz = this.tz(s.get('tz') ?? null).name;
          const u = s.get('unit');
          if (typeof u === 'string' && (u === 's' || u === 'ms' || u === 'us' || u === 'ns')) unit = u;
        }
        return cols.map((c) => {
          if (c.data.kind !== 'datetime') this.fail('DatetimeArray data must be datetime64');
          return {
            dtype: tz ? `datetime64[${unit}, ${tz}]` : `datetime64[${unit}]`,
            data: { ...c.data, tz },
            length: c.length,
          };
        });
      }
      case 'pandas.core.arrays.timedeltas.TimedeltaArray':
        return cols;
      case 'pandas.core.arrays.categorical.Categorical': {
        const s = dtype.state;
        if (dtype.fn.name !== 'pandas.core.dtypes.dtypes.CategoricalDtype' || !(s instanceof PyDict)) {
          this.fail('Categorical needs a CategoricalDtype');
        }
        const categories = this.at('categories', () => this.lower(s.get('categories') ?? null));
        if (!(categories instanceof IndexValue) || categories.levels?.length !== 1) {
          this.fail('Categorical categories must be a flat Index');
        }
        const cats = categories.levels[0]!;
        return cols.map((c) => {
          if (c.data.kind !== 'int') this.fail('Categorical codes must be integers');
          const codes = Int32Array.from(c.data.values as ArrayLike<number>, Number);
          for (const code of codes)
            if (code < -1 || code >= cats.length) this.fail(`categorical code ${code} out of range`);
          return {
            dtype: 'category',
            data: { kind: 'category', codes, categories: cats, ordered: s.get('ordered') === true },
            length: c.length,
          };
        });
      }
      case 'pandas.core.arrays.string_.StringArray':
        return cols.map((c) => ({
          dtype: 'string',
          data: { ...c.data, strings: true } as ColumnData,
          length: c.length,
        }));
    }
    this.fail(`${cls.written} is not supported`);
  }

  // ── pandas containers ────────────────────────────────────────────────────

  private index(call: PyCall): IndexValue {
    const [cls, d] = call.args;
    if (!(cls instanceof PyGlobal) || !(d instanceof PyDict)) this.fail('_new_Index(cls, dict) expected');
    const name = this.lower(d.get('name') ?? null);
    switch (cls.name) {
      case 'pandas.core.indexes.range.RangeIndex': {
        const r: RangeSpec = {
          start: this.bigint(d.get('start') ?? 0n),
          stop: this.bigint(d.get('stop') ?? 0n),
          step: this.bigint(d.get('step') ?? 1n),
        };
        if (r.step === 0n) this.fail('RangeIndex step must not be zero');
        return new IndexValue([name], null, r, rangeLength(r));
      }
      case 'pandas.core.indexes.multi.MultiIndex': {
        const levels = d.get('levels');
        const codes = d.get('codes') ?? d.get('labels');
        const names = d.get('names');
        if (
          !(levels instanceof PyList || levels instanceof PyTuple) ||
          !(codes instanceof PyList || codes instanceof PyTuple)
        ) {
          this.fail('MultiIndex needs levels and codes');
        }
        if (levels.items.length !== codes.items.length)
          this.fail('MultiIndex levels and codes differ in number');
        const cols = levels.items.map((lv, i) => {
          const level = this.at(`levels[${i}]`, () => this.lower(lv));
          if (!(level instanceof IndexValue) || level.levels?.length !== 1)
            this.fail('MultiIndex level must be a flat Index');
          const lc = level.levels[0]!;
          const code = this.at(`codes[${i}]`, () => this.ndarray(codes.items[i], 'MultiIndex codes'));
          if (code.column.data.kind !== 'int') this.fail('MultiIndex codes must be integers');
          const c32 = Int32Array.from(code.column.data.values as ArrayLike<number>, Number);
          for (const c of c32) if (c < -1 || c >= lc.length) this.fail(`MultiIndex code ${c} out of range`);
          return {
            dtype: lc.dtype,
            data: { kind: 'category', codes: c32, categories: lc, ordered: false },
            length: c32.length,
          } as Column;
        });
        const length = cols[0]?.length ?? 0;
        if (cols.some((c) => c.length !== length)) this.fail('MultiIndex codes differ in length');
        const nameList =
          names instanceof PyList || names instanceof PyTuple
            ? names.items.map((n) => this.lower(n))
            : cols.map(() => null);
        return new IndexValue(nameList, cols, null, length);
      }
      default: {
        const data = d.get('data');
        if (data === undefined) this.fail(`${cls.written} without data`);
        const col = this.at('data', () => this.column(data, cls.written));
        return new IndexValue([name], [col], null, col.length);
      }
    }
  }

  private bigint(v: PyValue): bigint {
    if (typeof v === 'bigint') return v;
    this.fail(`expected an int, got ${pyTypeName(v)}`);
  }

  private indexOf(v: PyValue | undefined, what: string): IndexValue {
    const out = v === undefined ? null : this.at(what, () => this.lower(v));
    if (!(out instanceof IndexValue)) this.fail(`${what}: expected a pandas Index`);
    return out;
  }

  /** Blocks and axes of a BlockManager in either pickled form (REDUCE, or the legacy 0.14.1 state). */
  private manager(mgr: PyValue): {
    axes: PyValue[];
    blocks: { values: PyValue; placement: PyValue | null }[];
  } {
    if (!(mgr instanceof PyCall)) this.fail(`expected a BlockManager, got ${pyTypeName(mgr)}`);
    const name = mgr.fn.name;
    if (
      name !== 'pandas.core.internals.managers.BlockManager' &&
      name !== 'pandas.core.internals.managers.SingleBlockManager'
    ) {
      this.fail(`expected a BlockManager, got ${mgr.fn.written}`);
    }
    const state = mgr.state;
    if (state instanceof PyTuple && state.items.length === 4 && state.items[3] instanceof PyDict) {
      const legacy = state.items[3].get('0.14.1');
      if (legacy instanceof PyDict) {
        const axes = legacy.get('axes');
        const blocks = legacy.get('blocks');
        if (!(axes instanceof PyList) || !(blocks instanceof PyList))
          this.fail('BlockManager state without axes/blocks');
        return {
          axes: [...axes.items],
          blocks: blocks.items.map((b) => {
            if (!(b instanceof PyDict)) this.fail('block state must be a dict');
            return { values: b.get('values') ?? null, placement: b.get('mgr_locs') ?? null };
          }),
        };
      }
    }
    if (mgr.how === 'reduce' && mgr.args.length === 2) {
      const [blocksArg, axesArg] = mgr.args;
      const blockList =
        blocksArg instanceof PyTuple || blocksArg instanceof PyList ? blocksArg.items : [blocksArg!];
      const axes = axesArg instanceof PyList || axesArg instanceof PyTuple ? [...axesArg.items] : [axesArg!];
      return {
        axes,
        blocks: blockList.map((b) => {
          if (
            !(b instanceof PyCall) ||
            (b.fn.name !== 'pandas._libs.internals._unpickle_block' &&
              b.fn.name !== 'pandas.core.internals.blocks.new_block')
          ) {
            this.fail('BlockManager blocks must be _unpickle_block(values, placement, ndim)');
          }
          return { values: b.args[0] ?? null, placement: b.args[1] ?? null };
        }),
      };
    }
    this.fail(`${mgr.fn.written}: unrecognised pickled layout`);
  }

  private placement(p: PyValue | null, count: number, ncols: number): number[] {
    let out: number[];
    if (p instanceof PyCall && p.fn.name === 'builtins.slice') {
      const start = p.args[0] === null || p.args[0] === undefined ? 0 : this.int(p.args[0]);
      const stop = p.args[1] === null || p.args[1] === undefined ? ncols : this.int(p.args[1]);
      const step = p.args[2] === null || p.args[2] === undefined ? 1 : this.int(p.args[2]);
      if (step <= 0) this.fail('block placement slice step must be positive');
      out = [];
      for (let i = start; i < stop && out.length <= ncols; i += step) out.push(i);
    } else {
      const arr = this.ndarray(p ?? undefined, 'block placement');
      if (arr.column.data.kind !== 'int') this.fail('block placement must be integers');
      out = Array.from(arr.column.data.values as ArrayLike<number | bigint>, Number);
    }
    if (out.length !== count) this.fail(`block placement covers ${out.length} columns, block has ${count}`);
    return out;
  }

  private frame(call: PyCall): Frame {
    const state = call.state;
    if (!(state instanceof PyDict)) this.fail('DataFrame without state');
    const mgrValue = state.get('_mgr') ?? state.get('_data');
    if (mgrValue === undefined) this.fail('DataFrame state has no _mgr');
    return this.at('_mgr', () => {
      const { axes, blocks } = this.manager(mgrValue);
      if (axes.length !== 2) this.fail(`DataFrame manager has ${axes.length} axes, expected 2`);
      const columnsIndex = this.indexOf(axes[0], 'columns');
      const rowIndex = this.indexOf(axes[1], 'index');
      const ncols = columnsIndex.length;
      const slots = new Array<Column | undefined>(ncols);
      blocks.forEach((block, b) => {
        this.at(`blocks[${b}]`, () => {
          const cols = this.columns(block.values);
          const places = this.placement(block.placement, cols.length, ncols);
          cols.forEach((col, i) => {
            const at = places[i]!;
            if (at < 0 || at >= ncols) this.fail(`block placement ${at} outside the ${ncols} columns`);
            if (slots[at]) this.fail(`column ${at} is placed by two blocks`);
            if (col.length !== rowIndex.length) {
              this.fail(`column ${at} has ${col.length} rows, the index has ${rowIndex.length}`);
            }
            slots[at] = col;
          });
        });
      });
      // biome-ignore lint/complexity/useIndexOf: indexOf skips the holes of a sparse array, findIndex visits them
      const missing = slots.findIndex((s) => s === undefined);
      if (missing >= 0 || slots.length !== ncols) this.fail(`column ${missing} is not placed by any block`);
      return new Frame(indexLabels(columnsIndex), slots as Column[], rowIndex, rowIndex.length);
    });
  }

  private series(call: PyCall): SeriesValue {
    const state = call.state;
    if (!(state instanceof PyDict)) this.fail('Series without state');
    const mgrValue = state.get('_mgr') ?? state.get('_data');
    if (mgrValue === undefined) this.fail('Series state has no _mgr');
    const name = this.lower(state.get('_name') ?? state.get('name') ?? null);
    return this.at('_mgr', () => {
      const { axes, blocks } = this.manager(mgrValue);
      if (axes.length !== 1 || blocks.length !== 1)
        this.fail('Series manager must have one axis and one block');
      const index = this.indexOf(axes[0], 'index');
      const col = this.at('values', () => this.column(blocks[0]!.values, 'Series values'));
      if (col.length !== index.length)
        this.fail(`Series has ${col.length} values, its index ${index.length}`);
      return new SeriesValue(name, col, index);
    });
  }
}

/** pandas arrays that wrap a pyarrow array (arrow.ts). */
const ARROW_BACKED = new Set([
  'pandas.core.arrays.arrow.array.ArrowExtensionArray',
  'pandas.core.arrays.string_arrow.ArrowStringArray',
  'pandas.core.arrays.string_arrow.ArrowStringArrayNumpySemantics',
]);

/** The RangeIndex pandas gives a Series or frame made from Arrow data. */
function defaultIndex(length: number): IndexValue {
  return new IndexValue([null], null, { start: 0n, stop: BigInt(length), step: 1n }, length);
}

/** Splits a C-order 2-D array (k × n) into k columns; a 1-D array is one column. */
function splitRows(arr: NdArray): Column[] {
  if (arr.shape.length === 1) return [arr.column];
  if (arr.shape.length !== 2)
    throw new LowerError(`arrays of ${arr.shape.length} dimensions cannot be columns`);
  const [k, n] = arr.shape as [number, number];
  const out: Column[] = [];
  for (let i = 0; i < k; i++) out.push(sliceColumn(arr.column, i * n, (i + 1) * n));
  return out;
}

export function sliceColumn(col: Column, start: number, end: number): Column {
  const d = col.data;
  let data: ColumnData;
  switch (d.kind) {
    case 'complex':
      data = { ...d, values: d.values.subarray(start * 2, end * 2) };
      break;
    case 'object':
      data = { ...d, values: d.values.slice(start, end) };
      break;
    case 'category':
      data = { ...d, codes: d.codes.subarray(start, end) };
      break;
    default: {
      const values = d.values.subarray(start, end);
      const mask = 'mask' in d && d.mask ? d.mask.subarray(start, end) : undefined;
      data = { ...d, values, ...(mask ? { mask } : {}) } as ColumnData;
    }
  }
  return { dtype: col.dtype, data, length: end - start };
}

/** The labels of an index, one per position (tuples for a MultiIndex). */
export function indexLabels(index: IndexValue): Lowered[] {
  const out: Lowered[] = new Array(index.length);
  if (index.range) {
    for (let i = 0; i < index.length; i++) out[i] = index.range.start + BigInt(i) * index.range.step;
    return out;
  }
  const levels = index.levels ?? [];
  for (let i = 0; i < index.length; i++) {
    out[i] = levels.length === 1 ? cellOf(levels[0]!, i) : new LTuple(levels.map((l) => cellOf(l, i)));
  }
  return out;
}
