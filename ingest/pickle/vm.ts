/**
 * A restricted pickle virtual machine: reads every opcode of protocols 0–5 and builds inert values
 * (values.ts). Globals are resolved only against the exact allowlist (allowlist.ts); REDUCE/NEWOBJ/BUILD
 * record calls instead of making them, so no Python or JS code chosen by the data ever runs. Every
 * declared length is checked against the remaining input before anything is sliced or allocated.
 * Pure TypeScript: no DuckDB, no I/O.
 */
import { MlduckError } from '../../src/errors.ts';
import { printable } from '../../src/sanitize.ts';
import { type GlobalSpec, lookupGlobal } from './allowlist.ts';
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

/** Resource limits; a pickle that exceeds one is refused, never partially loaded. */
export interface PickleLimits {
  /** Memo entries (a sparse LONG_BINPUT index does not allocate). */
  maxMemo: number;
  /** Values on the stack plus the MARK stack. */
  maxStack: number;
  /** Open MARKs (nesting of container literals). */
  maxMarks: number;
  /** Bytes of one LONG1/LONG4 integer, and digits of a text INT/LONG. */
  maxIntBytes: number;
  /** Total bytes the VM may account to strings, bytes and container slots (8 bytes each). */
  maxAllocation: number;
}

export const DEFAULT_LIMITS: PickleLimits = {
  maxMemo: 1 << 24,
  maxStack: 1 << 20,
  maxMarks: 1000,
  maxIntBytes: 4096,
  maxAllocation: 4 * 1024 ** 3,
};

/**
 * A malformed or refused pickle; `offset` is the byte offset of the opcode at fault. The message quotes
 * names from the pickle (globals, keys), so its control characters are escaped here, once, for every error.
 */
export class PickleError extends MlduckError {
  readonly pickleOffset: number;
  constructor(message: string, offset: number, hint?: string) {
    super(
      printable(message),
      hint === undefined ? { offset, kind: 'input' } : { offset, kind: 'input', hint: printable(hint) },
    );
    this.name = 'PickleError';
    this.pickleOffset = offset;
  }
}

const ZONEINFO_UNPICKLE = 'zoneinfo.ZoneInfo._unpickle';
const ZONEINFO_SPEC: GlobalSpec = { call: true, newobj: false, state: false, value: false };

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 (strict), with a native latin-1 fast path for the ASCII strings that dominate object columns. */
function decodeUtf8(buf: Buffer, start: number, end: number, offset: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return buf.toString('latin1', start, end);
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new PickleError('string is not valid UTF-8', offset);
  }
}

/** Python's raw-unicode-escape (protocol-0 UNICODE): latin-1 plus \uXXXX and \UXXXXXXXX. */
function decodeRawUnicodeEscape(text: string, offset: number): string {
  return text.replace(
    /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
    (_m, u4: string | undefined, u8?: string) => {
      const code = Number.parseInt((u4 ?? u8)!, 16);
      if (code > 0x10ffff) throw new PickleError('\\U escape out of range', offset);
      return String.fromCodePoint(code);
    },
  );
}

function decodeLong(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return value;
}

type StackItem = PyValue;

/** Loads one pickle from `data`; returns the inert value tree. Throws PickleError on anything refused. */
export function loadPickle(data: Uint8Array, limits: Partial<PickleLimits> = {}): PyValue {
  const vm = new PickleVM(data, { ...DEFAULT_LIMITS, ...limits });
  try {
    return vm.run();
  } catch (error) {
    // A key that is unhashable deep inside (a tuple holding a dict) is found by keyText, not by hashable()
    if (error instanceof TypeError && error.message.startsWith('unhashable type'))
      throw new PickleError(error.message, vm.opcodeOffset);
    throw error;
  }
}

class PickleVM {
  private pos = 0;
  private op = 0;

  /** Byte offset of the opcode being run. */
  get opcodeOffset(): number {
    return this.op;
  }
  private stack: StackItem[] = [];
  private readonly marks: StackItem[][] = [];
  /** Dense memo (MEMOIZE and in-order PUTs) in an array; out-of-order indexes in a Map, so sparse costs nothing. */
  private readonly memoDense: PyValue[] = [];
  private readonly memoSparse = new Map<number, PyValue>();
  private allocated = 0;
  private readonly view: DataView;
  private readonly buf: Buffer;

  constructor(
    private readonly data: Uint8Array,
    private readonly limits: PickleLimits,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  private fail(message: string, hint?: string): never {
    throw new PickleError(message, this.op, hint);
  }

  // ── reading ──────────────────────────────────────────────────────────────

  private need(n: number, what: string): void {
    if (n < 0 || !Number.isSafeInteger(n) || n > this.data.length - this.pos) {
      this.fail(
        `${what}: declared length ${n} exceeds the ${this.data.length - this.pos} bytes left in the pickle (truncated or corrupt)`,
      );
    }
  }

  private u8(): number {
    this.need(1, 'truncated pickle');
    return this.data[this.pos++]!;
  }
  private u16(): number {
    this.need(2, 'truncated pickle');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private i32(): number {
    this.need(4, 'truncated pickle');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u32(): number {
    this.need(4, 'truncated pickle');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(what: string): number {
    this.need(8, 'truncated pickle');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.data.length - this.pos)) {
      this.fail(
        `${what}: declared length ${v} exceeds the ${this.data.length - this.pos} bytes left in the pickle (truncated or corrupt)`,
      );
    }
    return Number(v);
  }
  private bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    this.account(n);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A UTF-8 string of n bytes at the read position. */
  private text(n: number, what: string): string {
    this.need(n, what);
    this.account(n);
    const start = this.pos;
    this.pos += n;
    return decodeUtf8(this.buf, start, this.pos, this.op);
  }
  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('truncated pickle: line without a newline');
    const text = latin1.decode(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private account(bytes: number): void {
    this.allocated += bytes;
    if (this.allocated > this.limits.maxAllocation) {
      this.fail(`pickle needs more than the allocation limit of ${this.limits.maxAllocation} bytes`);
    }
  }

  // ── stack ────────────────────────────────────────────────────────────────

  private push(value: PyValue): void {
    this.stack.push(value);
    if (this.stack.length + this.marks.length > this.limits.maxStack) {
      this.fail(`stack deeper than the limit of ${this.limits.maxStack}`);
    }
  }
  private pop(): PyValue {
    if (this.stack.length === 0) this.fail('unpickling stack underflow');
    return this.stack.pop()!;
  }
  private top(): PyValue {
    if (this.stack.length === 0) this.fail('unpickling stack underflow');
    return this.stack[this.stack.length - 1]!;
  }
  private popMark(): PyValue[] {
    const items = this.stack;
    const previous = this.marks.pop();
    if (previous === undefined) this.fail('could not find MARK');
    this.stack = previous;
    this.account(8 * items.length);
    return items;
  }

  private memoPut(index: number, value: PyValue): void {
    if (index < 0) this.fail('negative memo index');
    const dense = this.memoDense;
    if (index < dense.length) {
      dense[index] = value;
      return;
    }
    if (dense.length + this.memoSparse.size >= this.limits.maxMemo && !this.memoSparse.has(index)) {
      this.fail(`memo larger than the limit of ${this.limits.maxMemo} entries`);
    }
    if (index === dense.length && !this.memoSparse.has(index)) dense.push(value);
    else this.memoSparse.set(index, value);
  }
  private memoGet(index: number): PyValue {
    const value = index < this.memoDense.length ? this.memoDense[index] : this.memoSparse.get(index);
    if (value === undefined) this.fail(`memo value not found at index ${index}`);
    return value;
  }

  private textInt(text: string, what: string): bigint {
    const t = text.trim().replace(/L$/, '');
    if (t.length > this.limits.maxIntBytes) this.fail(`${what} has more digits than the limit`);
    if (!/^[+-]?\d+$/.test(t)) this.fail(`${what}: invalid literal ${JSON.stringify(text.slice(0, 40))}`);
    return BigInt(t);
  }

  // ── globals and calls ────────────────────────────────────────────────────

  private global(module: string, name: string): PyGlobal {
    const found = lookupGlobal(module, name);
    if (!found.ok) {
      this.fail(
        found.reason,
        'only plain data, numpy and pandas objects can be read; this pickle names code',
      );
    }
    return new PyGlobal(found.name, `${module}.${name}`);
  }

  private spec(fn: PyGlobal): GlobalSpec {
    if (fn.name === ZONEINFO_UNPICKLE) return ZONEINFO_SPEC;
    const found = lookupGlobal(...splitName(fn.name));
    return found.ok ? found.spec : { call: false, newobj: false, state: false, value: false };
  }

  private reduce(fn: PyValue, args: PyValue): PyValue {
    if (!(fn instanceof PyGlobal)) this.fail(`REDUCE needs an allowlisted global, got ${pyTypeName(fn)}`);
    if (!(args instanceof PyTuple)) this.fail(`REDUCE arguments must be a tuple, got ${pyTypeName(args)}`);
    if (!this.spec(fn).call) this.fail(`global ${fn.written} may not be called`);
    const a = args.items;
    switch (fn.name) {
      case 'builtins.getattr': {
        const [target, attr] = a;
        if (
          a.length === 2 &&
          target instanceof PyGlobal &&
          target.name === 'zoneinfo.ZoneInfo' &&
          attr === '_unpickle'
        ) {
          return new PyGlobal(ZONEINFO_UNPICKLE, 'zoneinfo.ZoneInfo._unpickle');
        }
        this.fail('builtins.getattr is only allowed as getattr(zoneinfo.ZoneInfo, "_unpickle")');
        break;
      }
      case '_codecs.encode': {
        const [text, encoding] = a;
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
          this.fail('_codecs.encode is only allowed as encode(str, "latin1")');
        }
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 0xff) this.fail('_codecs.encode: character outside latin-1');
          out[i] = c;
        }
        return new PyBytes(out, false);
      }
      case 'builtins.set':
      case 'builtins.frozenset': {
        const set = new PySet(fn.name === 'builtins.frozenset');
        if (a.length > 0) for (const item of this.iterable(a[0]!)) set.add(this.hashable(item));
        return set;
      }
      case 'builtins.bytes':
      case 'builtins.bytearray': {
        const mutable = fn.name === 'builtins.bytearray';
        if (a.length === 0) return new PyBytes(new Uint8Array(0), mutable);
        const src = a[0];
        if (src instanceof PyBytes) return new PyBytes(src.data, mutable);
        if (src instanceof PyList || src instanceof PyTuple) {
          const out = new Uint8Array(src.items.length);
          src.items.forEach((v, i) => {
            if (typeof v !== 'bigint' || v < 0n || v > 255n)
              this.fail(`${fn.written}: items must be ints 0–255`);
            out[i] = Number(v);
          });
          return new PyBytes(out, mutable);
        }
        this.fail(`${fn.written}: unsupported argument ${pyTypeName(src ?? null)}`);
        break;
      }
      case 'collections.OrderedDict': {
        const dict = new PyDict(true);
        if (a.length > 0) {
          for (const pair of this.iterable(a[0]!)) {
            if (!(pair instanceof PyTuple || pair instanceof PyList) || pair.items.length !== 2) {
              this.fail('OrderedDict items must be pairs');
            }
            dict.set(this.hashable(pair.items[0]!), pair.items[1]!);
          }
        }
        return dict;
      }
    }
    return new PyCall(fn, [...a], 'reduce', this.op);
  }

  private iterable(value: PyValue): readonly PyValue[] {
    if (value instanceof PyList || value instanceof PyTuple) return value.items;
    if (value instanceof PySet) return [...value.items.values()];
    this.fail(`expected a list or tuple, got ${pyTypeName(value)}`);
  }

  private hashable(key: PyValue): PyValue {
    if (key instanceof PyList || key instanceof PyDict || (key instanceof PySet && !key.frozen)) {
      this.fail(`unhashable type: '${pyTypeName(key)}'`);
    }
    if (key instanceof PyBytes && key.mutable) this.fail("unhashable type: 'bytearray'");
    return key;
  }

  private setItems(target: PyValue, items: readonly PyValue[]): void {
    if (!(target instanceof PyDict))
      this.fail(`SETITEM(S) on ${pyTypeName(target)}: only dicts accept items`);
    if (items.length % 2 !== 0) this.fail('SETITEMS needs key/value pairs');
    for (let i = 0; i < items.length; i += 2) target.set(this.hashable(items[i]!), items[i + 1]!);
  }

  private appendItems(target: PyValue, items: readonly PyValue[]): void {
    if (!(target instanceof PyList))
      this.fail(`APPEND(S) on ${pyTypeName(target)}: only lists accept appends`);
    for (const item of items) target.items.push(item);
  }

  // ── the loop ─────────────────────────────────────────────────────────────

  run(): PyValue {
    const data = this.data;
    while (true) {
      this.op = this.pos;
      if (this.pos >= data.length) this.fail('truncated pickle: no STOP opcode');
      const code = data[this.pos++]!;
      switch (code) {
        case 0x80: {
          // PROTO
          const v = this.u8();
          if (v > 5) this.fail(`unsupported pickle protocol: ${v}`);
          break;
        }
        case 0x95: // FRAME: a framing hint; only its length is validated
          this.u64('FRAME');
          break;
        case 0x2e: {
          // STOP
          const result = this.pop();
          if (this.pos !== data.length) {
            this.fail(
              `${data.length - this.pos} bytes of trailing data after STOP`,
              'only single-pickle files are read',
            );
          }
          return result;
        }
        // ── constants and numbers
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x49: {
          // INT (text)
          const text = this.line();
          if (text === '00') this.push(false);
          else if (text === '01') this.push(true);
          else this.push(this.textInt(text, 'INT'));
          break;
        }
        case 0x4c: // LONG (text)
          this.push(this.textInt(this.line(), 'LONG'));
          break;
        case 0x4a: // BININT
          this.push(BigInt(this.i32()));
          break;
        case 0x4b: // BININT1
          this.push(BigInt(this.u8()));
          break;
        case 0x4d: // BININT2
          this.push(BigInt(this.u16()));
          break;
        case 0x8a: {
          // LONG1
          const n = this.u8();
          if (n > this.limits.maxIntBytes) this.fail(`LONG1 of ${n} bytes exceeds the integer size limit`);
          this.push(decodeLong(this.bytes(n, 'LONG1')));
          break;
        }
        case 0x8b: {
          // LONG4
          const n = this.i32();
          if (n < 0) this.fail('LONG pickle has negative byte count');
          if (n > this.limits.maxIntBytes) {
            this.fail(`LONG4 of ${n} bytes exceeds the integer size limit of ${this.limits.maxIntBytes}`);
          }
          this.push(decodeLong(this.bytes(n, 'LONG4')));
          break;
        }
        case 0x46: {
          // FLOAT (text)
          const text = this.line().trim();
          const lower = text.toLowerCase();
          let v: number;
          if (lower === 'nan' || lower === '-nan') v = Number.NaN;
          else if (lower === 'inf') v = Number.POSITIVE_INFINITY;
          else if (lower === '-inf') v = Number.NEGATIVE_INFINITY;
          else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) v = Number(text);
          else this.fail(`FLOAT: invalid literal ${JSON.stringify(text.slice(0, 40))}`);
          this.push(v);
          break;
        }
        case 0x47: {
          // BINFLOAT (big-endian)
          this.need(8, 'truncated pickle');
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        // ── strings and bytes
        case 0x56: // UNICODE (protocol 0)
          this.push(decodeRawUnicodeEscape(this.line(), this.op));
          break;
        case 0x58: {
          // BINUNICODE
          const n = this.u32();
          this.push(this.text(n, 'BINUNICODE'));
          break;
        }
        case 0x8c: {
          // SHORT_BINUNICODE
          const n = this.u8();
          this.push(this.text(n, 'SHORT_BINUNICODE'));
          break;
        }
        case 0x8d: {
          // BINUNICODE8
          const n = this.u64('BINUNICODE8');
          this.push(this.text(n, 'BINUNICODE8'));
          break;
        }
        case 0x42: {
          // BINBYTES
          const n = this.u32();
          this.push(new PyBytes(this.bytes(n, 'BINBYTES'), false));
          break;
        }
        case 0x43: // SHORT_BINBYTES
          this.push(new PyBytes(this.bytes(this.u8(), 'SHORT_BINBYTES'), false));
          break;
        case 0x8e: {
          // BINBYTES8
          const n = this.u64('BINBYTES8');
          this.push(new PyBytes(this.bytes(n, 'BINBYTES8'), false));
          break;
        }
        case 0x96: {
          // BYTEARRAY8
          const n = this.u64('BYTEARRAY8');
          this.push(new PyBytes(this.bytes(n, 'BYTEARRAY8'), true));
          break;
        }
        case 0x53: // STRING
        case 0x54: // BINSTRING
        case 0x55: // SHORT_BINSTRING
          this.fail(
            'Python 2 str opcodes (STRING/BINSTRING) are not supported',
            'write the pickle with Python 3',
          );
          break;
        case 0x97: // NEXT_BUFFER
          this.fail('out-of-band buffers (NEXT_BUFFER) are not supported');
          break;
        case 0x98: {
          // READONLY_BUFFER
          const v = this.pop();
          if (!(v instanceof PyBytes)) this.fail(`READONLY_BUFFER on ${pyTypeName(v)}`);
          this.push(new PyBytes(v.data, false));
          break;
        }
        // ── containers
        case 0x5d: // EMPTY_LIST
          this.push(new PyList([]));
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(new PyTuple([]));
          break;
        case 0x7d: // EMPTY_DICT
          this.push(new PyDict());
          break;
        case 0x8f: // EMPTY_SET
          this.push(new PySet(false));
          break;
        case 0x28: // MARK
          if (this.marks.length >= this.limits.maxMarks) {
            this.fail(`nesting deeper than the limit of ${this.limits.maxMarks} MARKs`);
          }
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case 0x6c: // LIST
          this.push(new PyList(this.popMark()));
          break;
        case 0x74: // TUPLE
          this.push(new PyTuple(this.popMark()));
          break;
        case 0x85: // TUPLE1
          this.push(new PyTuple([this.pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b, c]));
          break;
        }
        case 0x64: {
          // DICT
          const items = this.popMark();
          const dict = new PyDict();
          this.setItems(dict, items);
          this.push(dict);
          break;
        }
        case 0x91: {
          // FROZENSET
          const set = new PySet(true);
          for (const item of this.popMark()) set.add(this.hashable(item));
          this.push(set);
          break;
        }
        case 0x61: {
          // APPEND
          const item = this.pop();
          this.appendItems(this.top(), [item]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const target = this.top();
          if (!(target instanceof PySet) || target.frozen) this.fail(`ADDITEMS on ${pyTypeName(target)}`);
          for (const item of items) target.add(this.hashable(item));
          break;
        }
        // ── stack manipulation
        case 0x30: // POP
          if (this.stack.length > 0) this.stack.pop();
          else this.popMark();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // ── memo
        case 0x67: // GET
          this.push(this.memoGet(Number(this.textInt(this.line(), 'GET'))));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        case 0x70: {
          // PUT
          const index = this.textInt(this.line(), 'PUT');
          if (index < 0n) this.fail('negative PUT argument');
          this.memoPut(Number(index), this.top());
          break;
        }
        case 0x71: // BINPUT
          this.memoPut(this.u8(), this.top());
          break;
        case 0x72: {
          // LONG_BINPUT
          const index = this.u32();
          this.memoPut(index, this.top());
          break;
        }
        case 0x94: // MEMOIZE
          this.memoPut(this.memoDense.length + this.memoSparse.size, this.top());
          break;
        // ── globals, calls, objects
        case 0x63: {
          // GLOBAL
          const module = this.line();
          const name = this.line();
          this.push(this.global(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL requires str');
          this.push(this.global(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const fn = this.pop();
          this.push(this.reduce(fn, args));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          if (!(cls instanceof PyGlobal))
            this.fail(`NEWOBJ needs an allowlisted class, got ${pyTypeName(cls)}`);
          if (!(args instanceof PyTuple)) this.fail('NEWOBJ arguments must be a tuple');
          if (!this.spec(cls).newobj) this.fail(`global ${cls.written} may not be instantiated`);
          this.push(new PyCall(cls, [...args.items], 'newobj', this.op));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          const target = this.top();
          if (!(target instanceof PyCall) || !this.spec(target.fn).state) {
            this.fail(`BUILD on ${pyTypeName(target)} is not allowed`);
          }
          if (target.state !== undefined) this.fail(`BUILD applied twice to ${target.fn.written}`);
          target.state = state;
          break;
        }
        case 0x92: // NEWOBJ_EX
          this.fail('NEWOBJ_EX is not supported (numpy and pandas never write it)');
          break;
        case 0x69: // INST
        case 0x6f: // OBJ
          this.fail('old-style instances (INST/OBJ) are not supported');
          break;
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4
          this.fail('copyreg extension codes (EXT1/2/4) are not supported');
          break;
        case 0x50: // PERSID
        case 0x51: // BINPERSID
          this.fail('persistent ids (PERSID/BINPERSID) are not supported');
          break;
        default:
          this.fail(
            `invalid pickle opcode 0x${code.toString(16).padStart(2, '0')}${
              code >= 0x20 && code < 0x7f ? ` (${JSON.stringify(String.fromCharCode(code))})` : ''
            }`,
          );
      }
    }
  }
}

function splitName(full: string): [string, string] {
  const dot = full.lastIndexOf('.');
  return [full.slice(0, dot), full.slice(dot + 1)];
}

/** The protocol byte of a pickle (0 when it has no PROTO opcode), for reports. */
export function pickleProtocol(data: Uint8Array): number {
  return data[0] === 0x80 && data.length > 1 ? data[1]! : 0;
}
