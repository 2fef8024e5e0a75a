/**
 * The exact allowlist of Python globals a pickle may name (pickle-format.md §6). A global not listed here
 * aborts the load at the GLOBAL/STACK_GLOBAL opcode: no module is ever imported and nothing is called.
 * Names are canonicalised first (protocol-2 builtins, numpy 1 vs 2 module paths, pandas 3 public names),
 * then matched exactly — never by prefix, never through dotted attribute paths.
 */

/** What a pickle may do with an allowlisted global. */
export interface GlobalSpec {
  /** May be called with REDUCE. */
  readonly call: boolean;
  /** May be instantiated with NEWOBJ. */
  readonly newobj: boolean;
  /** The created object accepts one BUILD state. */
  readonly state: boolean;
  /** May appear as a bare value (a constant such as `pandas.NA`, a class passed as an argument). */
  readonly value: boolean;
}

const FUNCTION: GlobalSpec = { call: true, newobj: false, state: false, value: false };
const CLASS: GlobalSpec = { call: true, newobj: true, state: true, value: true };
const VALUE: GlobalSpec = { call: false, newobj: false, state: false, value: true };
/** Cython auto-pickle helpers and numpy reconstructors: called, then BUILD-ed. */
const RECONSTRUCTOR: GlobalSpec = { call: true, newobj: false, state: true, value: false };

const PANDAS_OFFSETS = [
  'Day',
  'Hour',
  'Minute',
  'Second',
  'Milli',
  'Micro',
  'Nano',
  'BusinessDay',
  'Week',
  'MonthEnd',
  'MonthBegin',
  'QuarterEnd',
  'QuarterBegin',
  'YearEnd',
  'YearBegin',
];

const MASKED_DTYPES = [
  'integer.Int8Dtype',
  'integer.Int16Dtype',
  'integer.Int32Dtype',
  'integer.Int64Dtype',
  'integer.UInt8Dtype',
  'integer.UInt16Dtype',
  'integer.UInt32Dtype',
  'integer.UInt64Dtype',
  'floating.Float32Dtype',
  'floating.Float64Dtype',
  'boolean.BooleanDtype',
];

/** pyarrow.lib functions a pickled array, type, table or record batch is rebuilt with (all read as data). */
const PYARROW_FUNCTIONS = [
  '_restore_array',
  'py_buffer',
  'type_for_alias',
  'timestamp',
  'duration',
  'list_',
  'large_list',
  'struct',
  'dictionary',
  'field',
  'schema',
  'chunked_array',
  '_reconstruct_table',
  '_reconstruct_record_batch',
];

const ALLOWED = new Map<string, GlobalSpec>([
  ['builtins.set', FUNCTION],
  ['builtins.frozenset', FUNCTION],
  ['builtins.bytearray', FUNCTION],
  ['builtins.bytes', FUNCTION],
  ['builtins.complex', FUNCTION],
  ['builtins.slice', FUNCTION],
  // Only for the zoneinfo pattern getattr(zoneinfo.ZoneInfo, '_unpickle'); the VM enforces the arguments.
  ['builtins.getattr', FUNCTION],
  ['zoneinfo.ZoneInfo', VALUE],
  ['_codecs.encode', FUNCTION],
  ['collections.OrderedDict', FUNCTION],
  ['datetime.datetime', FUNCTION],
  ['datetime.date', FUNCTION],
  ['datetime.time', FUNCTION],
  ['datetime.timedelta', FUNCTION],
  ['datetime.timezone', FUNCTION],
  ['pytz._p', FUNCTION],
  ['pytz._UTC', FUNCTION],
  ['numpy.dtype', RECONSTRUCTOR],
  ['numpy.ndarray', VALUE],
  ['numpy._core.multiarray._reconstruct', RECONSTRUCTOR],
  ['numpy._core.multiarray.scalar', FUNCTION],
  ['numpy._core.numeric._frombuffer', FUNCTION],
  ['pandas.core.frame.DataFrame', CLASS],
  ['pandas.core.series.Series', CLASS],
  ['pandas.core.internals.managers.BlockManager', CLASS],
  ['pandas.core.internals.managers.SingleBlockManager', CLASS],
  ['pandas._libs.internals._unpickle_block', FUNCTION],
  ['pandas.core.internals.blocks.new_block', FUNCTION],
  ['pandas.core.indexes.base._new_Index', FUNCTION],
  ['pandas.core.indexes.base.Index', CLASS],
  ['pandas.core.indexes.range.RangeIndex', CLASS],
  ['pandas.core.indexes.multi.MultiIndex', CLASS],
  ['pandas.core.indexes.datetimes._new_DatetimeIndex', FUNCTION],
  ['pandas.core.indexes.datetimes.DatetimeIndex', CLASS],
  ['pandas.core.indexes.timedeltas.TimedeltaIndex', CLASS],
  ['pandas.core.indexes.category.CategoricalIndex', CLASS],
  ['pandas.core.indexes.numeric.Int64Index', CLASS],
  ['pandas.core.indexes.numeric.UInt64Index', CLASS],
  ['pandas.core.indexes.numeric.Float64Index', CLASS],
  ['pandas._libs.arrays.__pyx_unpickle_NDArrayBacked', RECONSTRUCTOR],
  ['pandas.core.arrays.datetimes.DatetimeArray', CLASS],
  ['pandas.core.arrays.timedeltas.TimedeltaArray', CLASS],
  ['pandas.core.arrays.categorical.Categorical', CLASS],
  ['pandas.core.arrays.string_.StringArray', CLASS],
  ['pandas.core.arrays.integer.IntegerArray', CLASS],
  ['pandas.core.arrays.floating.FloatingArray', CLASS],
  ['pandas.core.arrays.boolean.BooleanArray', CLASS],
  ['pandas.core.dtypes.dtypes.CategoricalDtype', CLASS],
  ['pandas.core.dtypes.dtypes.DatetimeTZDtype', CLASS],
  ['pandas.core.arrays.string_.StringDtype', CLASS],
  ...MASKED_DTYPES.map((name): [string, GlobalSpec] => [`pandas.core.arrays.${name}`, CLASS]),
  ['pandas._libs.missing.NA', VALUE],
  ['pandas._libs.tslibs.nattype.__nat_unpickle', FUNCTION],
  ['pandas._libs.tslibs.timestamps._unpickle_timestamp', FUNCTION],
  ['pandas._libs.tslibs.timestamps.Timestamp', CLASS],
  ['pandas._libs.tslibs.timedeltas._timedelta_unpickle', FUNCTION],
  ...PANDAS_OFFSETS.map((name): [string, GlobalSpec] => [`pandas._libs.tslibs.offsets.${name}`, CLASS]),
  // pyarrow-backed pandas data (arrow.ts): the wrappers, and pyarrow's reconstructors of types and arrays
  ['pandas.core.arrays.arrow.array.ArrowExtensionArray', CLASS],
  ['pandas.core.arrays.string_arrow.ArrowStringArray', CLASS],
  ['pandas.core.arrays.string_arrow.ArrowStringArrayNumpySemantics', CLASS],
  ['pandas.core.dtypes.dtypes.ArrowDtype', CLASS],
  ...PYARROW_FUNCTIONS.map((name): [string, GlobalSpec] => [`pyarrow.lib.${name}`, FUNCTION]),
]);

/** pandas 3 writes public `__module__` names; these map them to the internal names above. */
const PANDAS_PUBLIC: Record<string, string> = {
  'pandas.DataFrame': 'pandas.core.frame.DataFrame',
  'pandas.Series': 'pandas.core.series.Series',
  'pandas.Index': 'pandas.core.indexes.base.Index',
  'pandas.RangeIndex': 'pandas.core.indexes.range.RangeIndex',
  'pandas.MultiIndex': 'pandas.core.indexes.multi.MultiIndex',
  'pandas.DatetimeIndex': 'pandas.core.indexes.datetimes.DatetimeIndex',
  'pandas.TimedeltaIndex': 'pandas.core.indexes.timedeltas.TimedeltaIndex',
  'pandas.CategoricalIndex': 'pandas.core.indexes.category.CategoricalIndex',
  'pandas.Categorical': 'pandas.core.arrays.categorical.Categorical',
  'pandas.arrays.DatetimeArray': 'pandas.core.arrays.datetimes.DatetimeArray',
  'pandas.arrays.TimedeltaArray': 'pandas.core.arrays.timedeltas.TimedeltaArray',
  'pandas.arrays.StringArray': 'pandas.core.arrays.string_.StringArray',
  'pandas.arrays.IntegerArray': 'pandas.core.arrays.integer.IntegerArray',
  'pandas.arrays.FloatingArray': 'pandas.core.arrays.floating.FloatingArray',
  'pandas.arrays.BooleanArray': 'pandas.core.arrays.boolean.BooleanArray',
  'pandas.arrays.ArrowExtensionArray': 'pandas.core.arrays.arrow.array.ArrowExtensionArray',
  'pandas.arrays.ArrowStringArray': 'pandas.core.arrays.string_arrow.ArrowStringArray',
  'pandas.ArrowDtype': 'pandas.core.dtypes.dtypes.ArrowDtype',
  'pandas.CategoricalDtype': 'pandas.core.dtypes.dtypes.CategoricalDtype',
  'pandas.DatetimeTZDtype': 'pandas.core.dtypes.dtypes.DatetimeTZDtype',
  'pandas.StringDtype': 'pandas.core.arrays.string_.StringDtype',
  'pandas.NA': 'pandas._libs.missing.NA',
  'pandas.Timestamp': 'pandas._libs.tslibs.timestamps.Timestamp',
  'pandas._libs.tslibs.nattype._nat_unpickle': 'pandas._libs.tslibs.nattype.__nat_unpickle',
  ...Object.fromEntries(
    MASKED_DTYPES.map((name) => [`pandas.${name.split('.')[1]}`, `pandas.core.arrays.${name}`]),
  ),
};

/** Known-but-unsupported pandas objects get a specific message instead of "not allowed". */
const UNSUPPORTED_HINTS: [RegExp, string][] = [
  [/[Pp]eriod/, 'pandas Period data is not supported'],
  [/[Ss]parse/, 'pandas sparse data is not supported'],
  [
    /[Aa]rrow|^pyarrow\./,
    'this pyarrow object is not supported; see docs/pickle.md for the pyarrow types read',
  ],
  [/[Ii]nterval/, 'pandas Interval data is not supported'],
];

/** `module.name` in the canonical spelling used by the allowlist and the lowering pass. */
export function canonicalGlobal(module: string, name: string): string {
  let mod = module;
  if (mod === '__builtin__') mod = 'builtins';
  else if (mod === 'copy_reg') mod = 'copyreg';
  if (mod === 'numpy.core' || mod.startsWith('numpy.core.'))
    mod = `numpy._core${mod.slice('numpy.core'.length)}`;
  if (mod === 'numpy._core._multiarray_umath') mod = 'numpy._core.multiarray';
  const full = `${mod}.${name}`;
  return PANDAS_PUBLIC[full] ?? full;
}

export type GlobalLookup = { ok: true; name: string; spec: GlobalSpec } | { ok: false; reason: string };

/** Resolves a global against the allowlist; dotted or otherwise unknown names are refused. */
export function lookupGlobal(module: string, name: string): GlobalLookup {
  const written = `${module}.${name}`;
  if (name.includes('.')) {
    return {
      ok: false,
      reason: `global not allowed: ${written} (dotted attribute paths are never resolved)`,
    };
  }
  const canonical = canonicalGlobal(module, name);
  const spec = ALLOWED.get(canonical);
  if (spec) return { ok: true, name: canonical, spec };
  for (const [pattern, hint] of UNSUPPORTED_HINTS) {
    if (module.startsWith('pandas') || module.startsWith('pyarrow')) {
      if (pattern.test(written)) return { ok: false, reason: `global not allowed: ${written} (${hint})` };
    }
  }
  return { ok: false, reason: `global not allowed: ${written}` };
}
