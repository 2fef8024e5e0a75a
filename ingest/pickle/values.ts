/**
 * The inert values the restricted pickle VM builds. Nothing here can run code: a Python call becomes a
 * `PyCall` record (the allowlisted global, its arguments, later its state), to be pattern-matched by the
 * lowering pass. Ints are always `bigint` so `1` and `1.0` stay distinct and big ints stay exact.
 */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyBytes
  | PyTuple
  | PyList
  | PyDict
  | PySet
  | PyGlobal
  | PyCall;

/** `bytes` (immutable) or `bytearray`; `data` is a zero-copy view into the input where possible. */
export class PyBytes {
  constructor(
    readonly data: Uint8Array,
    readonly mutable: boolean,
  ) {}
}

/** A tuple: frozen, so no opcode can append to it. */
export class PyTuple {
  readonly items: readonly PyValue[];
  constructor(items: PyValue[]) {
    this.items = Object.freeze(items);
  }
}

export class PyList {
  constructor(readonly items: PyValue[]) {}
}

/**
 * A dict with Python key semantics: keys are compared by a canonical text (so tuple keys and int keys
 * stay what they are) and stored in a `Map`, never as JS object properties (`__proto__` is just a key).
 */
export class PyDict {
  readonly entries = new Map<string, { key: PyValue; value: PyValue }>();
  constructor(readonly ordered = false) {}

  set(key: PyValue, value: PyValue): void {
    this.entries.set(keyText(key), { key, value });
  }

  get(key: string): PyValue | undefined {
    return this.entries.get(keyText(key))?.value;
  }

  has(key: string): boolean {
    return this.entries.has(keyText(key));
  }

  get size(): number {
    return this.entries.size;
  }
}

export class PySet {
  readonly items = new Map<string, PyValue>();
  constructor(readonly frozen: boolean) {}
  add(value: PyValue): void {
    this.items.set(keyText(value), value);
  }
}

/** An allowlisted global used as a value (a class or function token, or a constant such as `pandas.NA`). */
export class PyGlobal {
  constructor(
    /** The canonical `module.name` (numpy.core → numpy._core, pandas 3 public names → internal names). */
    readonly name: string,
    /** The name as written in the pickle, for messages. */
    readonly written: string,
  ) {}
}

/** A call of an allowlisted global (REDUCE `f(*args)` or NEWOBJ `cls.__new__(cls, *args)`), plus BUILD state. */
export class PyCall {
  state: PyValue | undefined = undefined;
  constructor(
    readonly fn: PyGlobal,
    readonly args: readonly PyValue[],
    readonly how: 'reduce' | 'newobj',
    /** Byte offset of the opcode that made it, for error messages. */
    readonly offset: number,
  ) {}
}

/** Canonical text of a hashable key. Unhashable keys (lists, dicts) are refused like Python does. */
export function keyText(key: PyValue): string {
  if (key === null) return 'N';
  switch (typeof key) {
    case 'boolean':
      return key ? 'i1' : 'i0'; // True == 1 in Python
    case 'bigint':
      return `i${key}`;
    case 'number':
      return Number.isInteger(key) ? `i${key}` : `f${key}`;
    case 'string':
      return `s${key}`;
  }
  if (key instanceof PyBytes) {
    if (key.mutable) throw new TypeError("unhashable type: 'bytearray'");
    return `b${Buffer.from(key.data).toString('latin1')}`;
  }
  if (key instanceof PyTuple) return `t(${key.items.map(keyText).join(',')})`;
  if (key instanceof PySet && key.frozen) return `z{${[...key.items.keys()].sort().join(',')}}`;
  if (key instanceof PyGlobal) return `g${key.name}`;
  if (key instanceof PyCall) return `c${key.fn.name}@${key.offset}`;
  throw new TypeError(`unhashable type: '${pyTypeName(key)}'`);
}

export function pyTypeName(value: PyValue): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'str';
  }
  if (value instanceof PyBytes) return value.mutable ? 'bytearray' : 'bytes';
  if (value instanceof PyTuple) return 'tuple';
  if (value instanceof PyList) return 'list';
  if (value instanceof PyDict) return 'dict';
  if (value instanceof PySet) return value.frozen ? 'frozenset' : 'set';
  if (value instanceof PyGlobal) return `global ${value.written}`;
  return `${value.fn.written}(…)`;
}
