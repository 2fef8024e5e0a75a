// The lowering traversal (ingest/pickle/lower.ts) and what pandas values lower to: extension arrays
// (lower-arrays.ts), indexes (lower-index.ts), BlockManager frames and series (lower-frame.ts). VM values
// are built by hand (test/pickle/lowering-helpers.ts); each case states one rule.
import { describe, expect, it } from 'vitest';
import { lowerValue } from '../../ingest/pickle/lower.ts';
import { type Lowered, NdArray } from '../../ingest/pickle/lowered.ts';
import { PyCall, PySet, type PyValue } from '../../ingest/pickle/values.ts';
import {
  bytes,
  call,
  dict,
  dtype,
  f64,
  global,
  i64,
  index,
  list,
  lowered,
  ndarray,
  objects,
  rangeIndex,
  refusal,
  timeDtype,
  tuple,
} from './lowering-helpers.ts';

const ints = (...v: number[]) => ndarray(dtype('i8'), [v.length], i64(...v));
const bools = (...v: number[]) => ndarray(dtype('b1', '|'), [v.length], v);
const strIndex = (...labels: string[]) => index(objects([labels.length], labels));

describe('the lowering traversal', () => {
  it('lowers containers to their plain forms', () => {
    const set = new PySet(true);
    set.add(2n);
    set.add('a');
    expect(lowered(list(bytes([1, 255]), tuple(1n, 0.5), set, dict({ k: null }), true))).toEqual([
      { $bytes: '01ff' },
      { $tuple: [1, 0.5] },
      { $set: ['a', 2] },
      { $dict: [['k', null]] },
      true,
    ]);
  });

  it('lowers a shared value once and hands out the same result', () => {
    const shared = list(1n);
    const out = lowerValue(list(shared, tuple(shared))) as Lowered[];
    expect(out[0]).toBe((out[1] as { items: Lowered[] }).items[0]);
  });

  it('names the path of the value at fault and the offset of the innermost call', () => {
    const bad = list('a', dict({ k: global('os.system') }));
    expect(refusal(bad)).toEqual({ message: '$[1][1]: global os.system cannot be used as data', offset: 0 });
    const inCall = call('builtins.slice', [1n, list(global('os.system'))], undefined, 42);
    expect(refusal(list(inCall))).toEqual({
      message: '$[0][0]: global os.system cannot be used as data',
      offset: 42,
    });
    // the path of an array element, then back out of it
    const nested = list(objects([2], [1n, 2n]), list(global('x.y')));
    expect(refusal(nested).message).toBe('$[1][0]: global x.y cannot be used as data');
    // a call that finished is no longer the one at fault; a list inside a call does not end the call
    expect(refusal(list(call('builtins.slice', [], undefined, 42), global('x.y'))).offset).toBe(0);
    const afterList = call('builtins.slice', [list(1n), list(global('x.y'))], undefined, 42);
    expect(refusal(afterList).offset).toBe(42);
  });

  it('lets an error that is not about the input through as it is (an internal error, not bad input)', () => {
    expect(() => lowerValue({} as never)).toThrow(TypeError);
  });

  it('reads pandas.NA as NA and refuses any other global used as a value', () => {
    expect(lowered(global('pandas._libs.missing.NA'))).toEqual({ $na: null });
    expect(refusal(global('numpy.ndarray')).message).toBe('$: global numpy.ndarray cannot be used as data');
  });

  it('refuses a value that contains itself', () => {
    const loop = list();
    loop.items.push(loop);
    expect(refusal(list(loop)).message).toBe('$[0][0]: cycle: the value contains itself (list)');
  });

  it('refuses nesting deeper than maxDepth, and deeper than the stack', () => {
    const nest = (depth: number): PyValue => (depth === 1 ? list() : list(nest(depth - 1)));
    expect(lowered(nest(3), { maxDepth: 3 })).toEqual([[[]]]);
    expect(refusal(nest(4), { maxDepth: 3 }).message).toBe('$[0][0][0]: nesting deeper than the limit of 3');
    let deep: PyValue = list();
    for (let i = 0; i < 200_000; i++) deep = list(deep);
    expect(refusal(deep, { maxDepth: 1e9 }).message).toMatch(
      /^\$(\[0\])+: nesting deeper than the stack allows \(/,
    );
  });

  it('counts shared references with multiplicity against maxExpanded (billion laughs)', () => {
    const a = list(1n, 2n); // 3 values
    const b = list(a, a, a); // 1 + 3 × 3 = 10
    const c = list(b, b); // 1 + 2 × 10 = 21
    expect(() => lowerValue(c, { maxExpanded: 21 })).not.toThrow();
    expect(refusal(c, { maxExpanded: 20 }).message).toBe(
      '$: expanded size exceeds the limit of 20 values (shared-reference bomb?)',
    );
    expect(refusal(list(1n, 2n), { maxExpanded: 2 }).message).toMatch(/limit of 2 values/);
    // a dict counts its keys and values
    expect(refusal(dict({ a: 1n, b: 2n }), { maxExpanded: 4 }).message).toMatch(/limit of 4 values/);
    expect(() => lowerValue(dict({ a: 1n, b: 2n }), { maxExpanded: 5 })).not.toThrow();
  });

  it('counts the shared cells of an object array and the arguments of calls', () => {
    const a = list(1n, 2n, 3n, 4n); // 5
    const arr = objects([3], [a, a, a]); // the cells alone expand to 15
    expect(refusal(arr, { maxExpanded: 15 }).message).toMatch(/shared-reference bomb/);
    expect(() => lowerValue(arr, { maxExpanded: 40 })).not.toThrow();
    const inSlice = call('builtins.slice', [a, a, a]);
    // slice: 1 + (1 + 3 × 5 for its arguments) + 1 for its state; twice in the list: 1 + 2 × 18
    expect(() => lowerValue(list(inSlice, inSlice), { maxExpanded: 37 })).not.toThrow();
    expect(refusal(list(inSlice, inSlice), { maxExpanded: 36 }).message).toMatch(/shared-reference bomb/);
  });

  it('counts what a call carries but does not lower (a frame’s attrs), once per value, cycles included', () => {
    const frame = (attrs: PyValue) =>
      call(
        'pandas.core.frame.DataFrame',
        [],
        dict({ _mgr: mgr([], rangeIndex(0n, 0n), rangeIndex(0n, 0n)), attrs }),
      );
    const limitOf = (attrs: PyValue) => {
      for (let limit = 1; limit < 10_000; limit++) {
        try {
          lowerValue(frame(attrs), { maxExpanded: limit });
          return limit;
        } catch {}
      }
      throw new Error('no limit fits');
    };
    const base = limitOf(null);
    const numbers = Array.from({ length: 50 }, (_, i) => BigInt(i));
    expect(limitOf(list(...numbers))).toBe(base + 50);
    expect(limitOf(dict({ a: list(...numbers) }))).toBe(base + 52);
    expect(limitOf(tuple(call('x.y', numbers.slice(0, 10), list(...numbers.slice(0, 5)))))).toBe(base + 17);
    const loop = list(...numbers);
    loop.items.push(loop);
    expect(limitOf(loop)).toBe(base + 51);
  });

  it('counts a frame as rows × columns when its cells outnumber the values it was built from', () => {
    // 2 columns × 1000 rows from one bytes buffer: 2001 values, shared twice in the list
    const values = ndarray(dtype('i8'), [2, 1000], i64(...new Array<number>(2000).fill(0)));
    const frame = dataFrame(mgr([block(values, range(0n, 2n))], strIndex('a', 'b'), rangeIndex(0n, 1000n)));
    expect(() => lowerValue(list(frame, frame), { maxExpanded: 4003 })).not.toThrow();
    expect(refusal(list(frame, frame), { maxExpanded: 4002 }).message).toBe(
      '$: expanded size exceeds the limit of 4002 values (shared-reference bomb?)',
    );
  });
});

describe('builtins and numpy globals as data', () => {
  it('lowers complex, slice and a dtype', () => {
    expect(lowered(call('builtins.complex', [1.5, 2n]))).toEqual({ $complex: [1.5, 2] });
    expect(lowered(call('builtins.complex', []))).toEqual({ $complex: [0, 0] });
    expect(refusal(call('builtins.complex', ['1'])).message).toBe('$: expected a number, got str');
    expect(lowered(call('builtins.slice', [1n, null, -1n]))).toEqual({ $slice: [1, null, -1] });
    expect(lowered(call('builtins.slice', [2n]))).toEqual({ $slice: [2, null, null] });
    expect(lowered(dtype('i4'))).toBe('int32');
    expect(refusal(dtype('q')).message).toBe("$: numpy dtype 'q' is not supported");
  });

  it('allows _reconstruct only for numpy.ndarray, and refuses calls it cannot read', () => {
    const other = call('numpy._core.multiarray._reconstruct', [
      global('numpy.matrix'),
      tuple(0n),
      bytes([0x62]),
    ]);
    expect(refusal(other).message).toBe('$: _reconstruct is only allowed for numpy.ndarray');
    const notGlobal = call('numpy._core.multiarray._reconstruct', ['numpy.ndarray']);
    expect(refusal(notGlobal).message).toBe('$: _reconstruct is only allowed for numpy.ndarray');
    expect(refusal(call('collections.OrderedDict', [], undefined, 9))).toEqual({
      message: '$: collections.OrderedDict cannot be read as data here',
      offset: 9,
    });
  });

  it('lowers a pandas date offset by its name and n (1 when absent)', () => {
    expect(lowered(call('pandas._libs.tslibs.offsets.MonthEnd', [3n]))).toEqual({
      $offset: 'MonthEnd',
      n: 3,
    });
    expect(lowered(call('pandas._libs.tslibs.offsets.Day'))).toEqual({ $offset: 'Day', n: 1 });
    expect(lowered(call('pandas._libs.tslibs.nattype.__nat_unpickle', [null]))).toEqual({ $nat: null });
  });
});

describe('dates, times and zones', () => {
  const dtBytes = [0x07, 0xe4, 0x83, 4, 5, 6, 7, 0x01, 0xe2, 0x40]; // 2020-03-04 05:06:07.123456, fold bit set
  const utcPlus = (seconds: bigint, days = 0n, name?: string) =>
    call('datetime.timezone', [call('datetime.timedelta', [days, seconds]), ...(name ? [name] : [])]);

  it('decodes datetime state bytes (or a latin-1 str), with the zone offset in the text and epoch', () => {
    const naive = lowerValue(call('datetime.datetime', [bytes(dtBytes)]));
    expect(naive).toEqual({
      $: 'datetime',
      iso: '2020-03-04T05:06:07.123456',
      epochMicros: BigInt(Date.UTC(2020, 2, 4, 5, 6, 7)) * 1000n + 123456n,
    });
    const asText = String.fromCharCode(...dtBytes.slice(0, 7), 0, 0, 0);
    const plusOne = lowerValue(call('datetime.datetime', [asText, utcPlus(3600n)]));
    expect(plusOne).toEqual({
      $: 'datetime',
      iso: '2020-03-04T05:06:07+01:00',
      epochMicros: BigInt(Date.UTC(2020, 2, 4, 4, 6, 7)) * 1000n,
    });
    const explicitNone = lowerValue(call('datetime.datetime', [bytes(dtBytes), null]));
    expect(explicitNone).toMatchObject({ iso: '2020-03-04T05:06:07.123456' });
    const smallYear = lowerValue(call('datetime.datetime', [bytes([0, 5, 1, 2, 0, 0, 0, 0, 0, 1])]));
    expect(smallYear).toMatchObject({ iso: '0005-01-02T00:00:00.000001' });
    expect(refusal(call('datetime.datetime', [bytes([1, 2, 3])])).message).toBe(
      '$: datetime.datetime: expected 10 state bytes',
    );
    expect(refusal(call('datetime.datetime', ['short'])).message).toMatch(/expected 10 state bytes/);
  });

  it('writes negative and second-precise offsets', () => {
    // timedelta(days=-1, seconds=68370) = -5 h 0 min 30 s
    const zone = utcPlus(68370n, -1n);
    expect(lowerValue(zone)).toEqual({ $: 'tz', name: 'UTC-05:00:30', offsetSeconds: -18030 });
    expect(lowerValue(call('datetime.time', [bytes([0x85, 6, 7, 0, 0, 0]), zone]))).toEqual({
      $: 'time',
      iso: '05:06:07-05:00:30',
    });
    expect(lowerValue(utcPlus(0n))).toEqual({ $: 'tz', name: 'UTC', offsetSeconds: 0 });
    expect(lowerValue(utcPlus(19800n, 0n, 'IST'))).toEqual({ $: 'tz', name: 'IST', offsetSeconds: 19800 });
    expect(lowerValue(utcPlus(19800n))).toMatchObject({ name: 'UTC+05:30' });
  });

  it('decodes dates and times', () => {
    expect(lowered(call('datetime.date', [bytes([0x07, 0xe4, 12, 31])]))).toEqual({ $date: '2020-12-31' });
    expect(lowered(call('datetime.date', [bytes([0, 9, 1, 2])]))).toEqual({ $date: '0009-01-02' });
    expect(refusal(call('datetime.date', [bytes([1])])).message).toBe(
      '$: datetime.date: expected 4 state bytes',
    );
    expect(lowered(call('datetime.time', [bytes([23, 59, 58, 0, 0, 5])]))).toEqual({
      $time: '23:59:58.000005',
    });
    expect(lowered(call('datetime.time', [bytes([1, 2, 3, 0, 0, 0]), null]))).toEqual({ $time: '01:02:03' });
    expect(refusal(call('datetime.time', [bytes([1, 2])])).message).toBe(
      '$: datetime.time: expected 6 state bytes',
    );
  });

  it('reads timedelta fields, zero when absent', () => {
    expect(lowered(call('datetime.timedelta', [1n, 2n, 3n]))).toEqual({ $timedelta: [1, 2, 3] });
    expect(lowered(call('datetime.timedelta', [true]))).toEqual({ $timedelta: [1, 0, 0] });
    expect(refusal(call('datetime.timedelta', [1.5])).message).toBe('$: expected an int, got float');
  });

  it('reads pandas Timestamps at their resolution (ns when not given) and zone', () => {
    const ts = (...args: PyValue[]) =>
      lowerValue(call('pandas._libs.tslibs.timestamps._unpickle_timestamp', args));
    expect(ts(5n)).toEqual({ $: 'timestamp', ns: 5n, tz: null });
    expect(ts(5n, null, null, 7n)).toEqual({ $: 'timestamp', ns: 5_000_000_000n, tz: null });
    expect(ts(5n, null, call('pytz._UTC'), 9n)).toEqual({ $: 'timestamp', ns: 5000n, tz: 'UTC' });
    expect(lowerValue(call('pandas._libs.tslibs.timestamps.Timestamp', [2n, null, null, 8n]))).toMatchObject({
      ns: 2_000_000n,
    });
    expect(refusal(call('pandas._libs.tslibs.timestamps.Timestamp', [2.5])).message).toBe(
      '$: Timestamp value must be an int',
    );
    expect(refusal(call('pandas._libs.tslibs.timestamps.Timestamp', [2n, null, null, 11n])).message).toBe(
      '$: Timestamp resolution 11 is not supported',
    );
  });

  it('reads pandas Timedeltas in ns whatever their resolution', () => {
    const td = (...args: PyValue[]) =>
      lowerValue(call('pandas._libs.tslibs.timedeltas._timedelta_unpickle', args));
    expect(td(3n)).toEqual({ $: 'timedelta64', value: 3n, unit: 'ns' });
    expect(td(3n, 8n)).toEqual({ $: 'timedelta64', value: 3_000_000n, unit: 'ns' });
    expect(refusal(call('pandas._libs.tslibs.timedeltas._timedelta_unpickle', ['3'])).message).toBe(
      '$: Timedelta value must be an int',
    );
    expect(refusal(call('pandas._libs.tslibs.timedeltas._timedelta_unpickle', [3n, 4n])).message).toBe(
      '$: Timedelta resolution is not supported',
    );
  });

  it('reads pytz and zoneinfo zones by name, with pytz fixed offsets', () => {
    expect(lowerValue(call('pytz._p', ['Asia/Tokyo', 32400n, 0n, 'JST']))).toEqual({
      $: 'tz',
      name: 'Asia/Tokyo',
      offsetSeconds: 32400,
    });
    expect(lowerValue(call('pytz._p', ['Europe/Paris']))).toEqual({
      $: 'tz',
      name: 'Europe/Paris',
      offsetSeconds: null,
    });
    expect(lowerValue(call('pytz._UTC'))).toEqual({ $: 'tz', name: 'UTC', offsetSeconds: 0 });
    expect(lowerValue(call('zoneinfo.ZoneInfo._unpickle', ['US/Eastern', 1n]))).toEqual({
      $: 'tz',
      name: 'US/Eastern',
      offsetSeconds: null,
    });
    expect(refusal(call('pytz._p', [1n])).message).toBe('$: pytz zone name must be a string');
    expect(refusal(call('zoneinfo.ZoneInfo._unpickle', [null])).message).toBe(
      '$: zoneinfo key must be a string',
    );
    expect(refusal(call('datetime.timezone', [3600n])).message).toBe('$: timezone needs a timedelta');
    expect(refusal(call('datetime.timezone', [call('datetime.date', [])])).message).toBe(
      '$: timezone needs a timedelta',
    );
    const dateutil = call('datetime.datetime', [bytes(dtBytes), call('dateutil.tz.tzutc')]);
    expect(refusal(dateutil).message).toBe('$: time zone dateutil.tz.tzutc is not supported');
    expect(refusal(call('datetime.datetime', [bytes(dtBytes), 'UTC'])).message).toBe(
      '$: expected a time zone, got str',
    );
  });
});

// ── pandas arrays ──────────────────────────────────────────────────────────

const backed = (cls: string, state: PyValue) =>
  call('pandas._libs.arrays.__pyx_unpickle_NDArrayBacked', [global(cls), 0n, null], state);
const datetimeArray = (state: PyValue) => backed('pandas.core.arrays.datetimes.DatetimeArray', state);
const nsTimes = (...v: number[]) => ndarray(timeDtype('M8', 'ns'), [v.length], i64(...v));
const categoricalDtype = (categories: PyValue, ordered: PyValue = false) =>
  call('pandas.core.dtypes.dtypes.CategoricalDtype', [], dict({ categories, ordered }));
const categorical = (codes: PyValue, dt: PyValue) =>
  backed('pandas.core.arrays.categorical.Categorical', tuple(dt, codes));

describe('pandas masked arrays', () => {
  const masked = (cls: string, data: PyValue, mask: PyValue) =>
    call(cls, [], dict({ _data: data, _mask: mask }));

  it('mark the masked cells NA and name the nullable dtype', () => {
    expect(lowered(masked('pandas.core.arrays.integer.IntegerArray', ints(1, 2, 3), bools(0, 1, 0)))).toEqual(
      {
        $ndarray: { dtype: 'Int64', shape: [3], data: [1, { $na: null }, 3] },
      },
    );
    const floats = ndarray(dtype('f4'), [1], [0, 0, 0, 0x3f]);
    expect(lowered(masked('pandas.core.arrays.floating.FloatingArray', floats, bools(0)))).toEqual({
      $ndarray: { dtype: 'Float32', shape: [1], data: [0.5] },
    });
    const u16 = ndarray(dtype('u2'), [1], [1, 0]);
    expect(lowered(masked('pandas.core.arrays.integer.IntegerArray', u16, bools(1)))).toMatchObject({
      $ndarray: { dtype: 'UInt16' },
    });
    expect(
      lowered(masked('pandas.core.arrays.boolean.BooleanArray', bools(1, 0), bools(0, 0))),
    ).toMatchObject({
      $ndarray: { dtype: 'boolean', data: [true, false] },
    });
  });

  it('refuse a mask that is not bool or not as long, data of another dtype, and no state', () => {
    const cls = 'pandas.core.arrays.integer.IntegerArray';
    expect(refusal(masked(cls, ints(1, 2), ints(0, 0))).message).toBe(
      '$: masked array: _mask must be a bool array of the same length',
    );
    expect(refusal(masked(cls, ints(1, 2), bools(0))).message).toMatch(/same length/);
    const halfs = ndarray(dtype('f2'), [1], [0, 0x3c]);
    expect(refusal(masked(cls, halfs, bools(0))).message).toBe('$: masked array of float16 is not supported');
    expect(refusal(masked(cls, 'x', bools(0))).message).toBe(
      '$._data: _data: expected a numpy array, got str',
    );
    expect(refusal(call(cls, [], dict({ _data: ints(1) }))).message).toBe(
      '$._mask: _mask: expected a numpy array, got nothing',
    );
    expect(refusal(call(cls, [], tuple())).message).toBe(`$: ${cls} without state`);
  });
});

describe('pandas NDArrayBacked arrays', () => {
  it('read a DatetimeArray with its unit, from a (dtype, array) state in either order', () => {
    expect(lowered(datetimeArray(tuple(timeDtype('M8', 'ns'), nsTimes(1, 2))))).toEqual({
      $ndarray: {
        dtype: 'datetime64[ns]',
        shape: [2],
        data: [
          { $datetime64: '1', unit: 'ns' },
          { $datetime64: '2', unit: 'ns' },
        ],
      },
    });
    const seconds = ndarray(timeDtype('M8', 's'), [1], i64(3));
    expect(lowered(datetimeArray(tuple(seconds, timeDtype('M8', 's'))))).toMatchObject({
      $ndarray: { dtype: 'datetime64[s]' },
    });
  });

  it('read the zone and unit of a DatetimeTZDtype', () => {
    const tzDtype = (state: PyValue) => call('pandas.core.dtypes.dtypes.DatetimeTZDtype', [], state);
    const zone = call('pytz._p', ['US/Eastern']);
    const out = lowerValue(datetimeArray(tuple(tzDtype(dict({ tz: zone, unit: 'ms' })), nsTimes(1))));
    expect(out).toBeInstanceOf(NdArray);
    expect((out as NdArray).dtype).toBe('datetime64[ms, US/Eastern]');
    expect((out as NdArray).column.data).toMatchObject({ kind: 'datetime', tz: 'US/Eastern' });
    // an unknown unit keeps the data's
    const keep = lowerValue(
      datetimeArray(tuple(tzDtype(dict({ tz: zone, unit: 'D' })), nsTimes(1))),
    ) as NdArray;
    expect(keep.dtype).toBe('datetime64[ns, US/Eastern]');
    const seconds = ndarray(timeDtype('M8', 's'), [1], i64(1));
    for (const unit of ['s', 'ms', 'us', 'ns']) {
      const out = lowerValue(datetimeArray(tuple(tzDtype(dict({ tz: zone, unit })), seconds))) as NdArray;
      expect(out.dtype).toBe(`datetime64[${unit}, US/Eastern]`);
    }
    const noUnit = lowerValue(datetimeArray(tuple(tzDtype(dict({ tz: zone })), nsTimes(1)))) as NdArray;
    expect(noUnit.dtype).toBe('datetime64[ns, US/Eastern]');
    expect(refusal(datetimeArray(tuple(tzDtype(tuple()), nsTimes(1)))).message).toBe(
      '$: DatetimeTZDtype without state',
    );
    expect(refusal(datetimeArray(tuple(timeDtype('M8', 'ns'), ints(1)))).message).toBe(
      '$: DatetimeArray data must be datetime64',
    );
  });

  it('take the state as a dict, or a 1-tuple of a dict, under _ndarray or _data', () => {
    const expected = {
      $ndarray: { dtype: 'datetime64[ns]', shape: [1], data: [{ $datetime64: '7', unit: 'ns' }] },
    };
    expect(lowered(datetimeArray(dict({ _ndarray: nsTimes(7), _dtype: timeDtype('M8', 'ns') })))).toEqual(
      expected,
    );
    expect(lowered(datetimeArray(dict({ _data: nsTimes(7), _dtype: timeDtype('M8', 'ns') })))).toEqual(
      expected,
    );
    expect(
      lowered(datetimeArray(tuple(dict({ _ndarray: nsTimes(7), _dtype: timeDtype('M8', 'ns') })))),
    ).toEqual(expected);
    expect(refusal(datetimeArray(dict({ _ndarray: nsTimes(7) }))).message).toBe(
      '$: pandas.core.arrays.datetimes.DatetimeArray: state without dtype and data',
    );
    expect(refusal(datetimeArray(tuple(timeDtype('M8', 'ns')))).message).toMatch(
      /state without dtype and data/,
    );
    expect(refusal(datetimeArray(tuple(nsTimes(7)))).message).toMatch(/state without dtype and data/);
    expect(refusal(datetimeArray(null)).message).toMatch(/state without dtype and data/);
    const notAClass = call('pandas._libs.arrays.__pyx_unpickle_NDArrayBacked', ['DatetimeArray']);
    expect(refusal(notAClass).message).toBe('$: NDArrayBacked: expected a class');
  });

  it('read TimedeltaArray and StringArray data as it is, and refuse other classes', () => {
    const spans = ndarray(timeDtype('m8', 'ns'), [1], i64(4));
    expect(
      lowered(backed('pandas.core.arrays.timedeltas.TimedeltaArray', tuple(timeDtype('m8', 'ns'), spans))),
    ).toEqual({
      $ndarray: { dtype: 'timedelta64[ns]', shape: [1], data: [{ $timedelta64: '4', unit: 'ns' }] },
    });
    const strings = lowerValue(
      backed(
        'pandas.core.arrays.string_.StringArray',
        tuple(call('pandas.StringDtype', ['python']), objects([1], ['s'])),
      ),
    ) as NdArray;
    expect(strings.dtype).toBe('string');
    expect(strings.column.data).toMatchObject({ kind: 'object', strings: true, values: ['s'] });
    expect(
      refusal(backed('pandas.core.arrays.period.PeriodArray', tuple(dtype('i8'), ints(1)))).message,
    ).toBe('$: pandas.core.arrays.period.PeriodArray is not supported');
  });

  it('read a Categorical as codes into its categories (-1 is missing), keeping the order flag', () => {
    const codes = ndarray(dtype('i1'), [3], [1, 0xff, 0]);
    const out = lowerValue(categorical(codes, categoricalDtype(strIndex('a', 'b'), true))) as NdArray;
    expect(out.dtype).toBe('category');
    expect(out.column.data).toMatchObject({ kind: 'category', ordered: true });
    expect(lowered(categorical(codes, categoricalDtype(strIndex('a', 'b'))))).toEqual({
      $ndarray: { dtype: 'category', shape: [3], data: ['b', { $float: 'nan' }, 'a'] },
    });
    expect(
      (lowerValue(categorical(codes, categoricalDtype(strIndex('a', 'b')))) as NdArray).column.data,
    ).toMatchObject({ ordered: false });
  });

  it('refuse categorical codes out of range or not integers, and categories that are not a flat index', () => {
    const cats = categoricalDtype(strIndex('a', 'b'));
    expect(refusal(categorical(ndarray(dtype('i1'), [1], [2]), cats)).message).toBe(
      '$: categorical code 2 out of range',
    );
    expect(refusal(categorical(ndarray(dtype('i1'), [1], [0xfe]), cats)).message).toBe(
      '$: categorical code -2 out of range',
    );
    expect(refusal(categorical(ndarray(dtype('f8'), [1], f64(0)), cats)).message).toBe(
      '$: Categorical codes must be integers',
    );
    expect(refusal(categorical(ints(0), categoricalDtype(rangeIndex(0n, 2n)))).message).toBe(
      '$: Categorical categories must be a flat Index',
    );
    expect(refusal(categorical(ints(0), categoricalDtype(ints(0)))).message).toMatch(/must be a flat Index/);
    expect(refusal(categorical(ints(0), call('pandas.core.dtypes.dtypes.CategoricalDtype'))).message).toBe(
      '$: Categorical needs a CategoricalDtype',
    );
    expect(refusal(categorical(ints(0), call('pandas.StringDtype', [], dict({})))).message).toBe(
      '$: Categorical needs a CategoricalDtype',
    );
  });

  it('refuse pandas array classes called directly (not through NDArrayBacked)', () => {
    for (const cls of [
      'pandas.core.arrays.categorical.Categorical',
      'pandas.core.arrays.string_.StringArray',
      'pandas.core.arrays.datetimes.DatetimeArray',
    ])
      expect(refusal(call(cls, [], dict({}))).message).toBe(`$: ${cls} is not supported as array data`);
  });

  it('refuse a pyarrow-backed array without its state dict', () => {
    const cls = 'pandas.core.arrays.string_arrow.ArrowStringArray';
    expect(refusal(call(cls, [], tuple())).message).toBe(`$: ${cls} without state`);
  });

  it('refuse a 2-D extension array outside a DataFrame and a 3-D block', () => {
    const twoD = ndarray(timeDtype('M8', 'ns'), [2, 1], i64(1, 2));
    expect(refusal(datetimeArray(tuple(timeDtype('M8', 'ns'), twoD))).message).toBe(
      '$: 2-D extension arrays are only supported inside DataFrames',
    );
    const threeD = ndarray(timeDtype('M8', 'ns'), [1, 1, 1], i64(1));
    expect(refusal(datetimeArray(tuple(timeDtype('M8', 'ns'), threeD))).message).toBe(
      '$: arrays of 3 dimensions cannot be columns',
    );
  });
});

// ── indexes ───────────────────────────────────────────────────────────────

describe('pandas indexes', () => {
  it('read a RangeIndex with defaults start 0, step 1, and refuse step 0', () => {
    expect(lowered(rangeIndex(2n, 10n, 3n, 'r'))).toEqual({ $index: { names: ['r'], range: [2, 10, 3] } });
    const bare = call('pandas.core.indexes.base._new_Index', [
      global('pandas.core.indexes.range.RangeIndex'),
      dict({ stop: 4n }),
    ]);
    expect(lowered(bare)).toEqual({ $index: { names: [null], range: [0, 4, 1] } });
    expect(refusal(rangeIndex(0n, 4n, 0n)).message).toBe('$: RangeIndex step must not be zero');
    expect(refusal(rangeIndex(0n, 4n, 1.5 as never)).message).toBe('$: expected an int, got float');
  });

  it('read a flat index of any array data, and refuse one without data', () => {
    expect(lowered(index(ints(5, 6), 'n', 'pandas.core.indexes.numeric.Int64Index'))).toEqual({
      $index: { names: ['n'], levels: [{ dtype: 'int64', data: [5, 6] }] },
    });
    const noData = call('pandas.core.indexes.base._new_Index', [
      global('pandas.core.indexes.base.Index'),
      dict({}),
    ]);
    expect(refusal(noData).message).toBe('$: pandas.core.indexes.base.Index without data');
    expect(refusal(call('pandas.core.indexes.base._new_Index', ['Index', dict({})])).message).toBe(
      '$: _new_Index(cls, dict) expected',
    );
    expect(refusal(call('pandas.core.indexes.base._new_Index', [global('x.Index'), list()])).message).toBe(
      '$: _new_Index(cls, dict) expected',
    );
    expect(refusal(index(ndarray(dtype('i8'), [2, 1], i64(1, 2)))).message).toBe(
      '$.data: pandas.core.indexes.base.Index: expected a 1-D array',
    );
  });

  it('read a DatetimeIndex through _new_DatetimeIndex', () => {
    const dti = call('pandas.core.indexes.datetimes._new_DatetimeIndex', [
      global('pandas.core.indexes.datetimes.DatetimeIndex'),
      dict({ data: datetimeArray(tuple(timeDtype('M8', 'ns'), nsTimes(1))), name: null }),
    ]);
    expect(lowered(dti)).toEqual({
      $index: { names: [null], levels: [{ dtype: 'datetime64[ns]', data: [{ $timestamp: '1', tz: null }] }] },
    });
  });

  const multi = (entries: Record<string, PyValue>) =>
    call('pandas.core.indexes.base._new_Index', [
      global('pandas.core.indexes.multi.MultiIndex'),
      dict(entries),
    ]);
  const codes8 = (...v: number[]) =>
    ndarray(
      dtype('i1'),
      [v.length],
      v.map((x) => x & 0xff),
    );

  it('read a MultiIndex as one categorical level per name (codes or legacy labels)', () => {
    const mi = multi({
      levels: list(strIndex('a', 'b'), index(ints(10, 20))),
      codes: list(codes8(1, 0, 1), codes8(0, 1, 0xff)),
      names: list('x', 'y'),
    });
    expect(lowered(mi)).toEqual({
      $index: {
        names: ['x', 'y'],
        levels: [
          { dtype: 'object', data: ['b', 'a', 'b'] },
          { dtype: 'int64', data: [10, 20, { $float: 'nan' }] },
        ],
      },
    });
    const legacy = multi({ levels: tuple(strIndex('a')), labels: tuple(codes8(0)) });
    expect(lowered(legacy)).toEqual({
      $index: { names: [null], levels: [{ dtype: 'object', data: ['a'] }] },
    });
    expect(lowered(multi({ levels: list(), codes: list() }))).toEqual({ $index: { names: [], levels: [] } });
  });

  it('refuse a MultiIndex whose levels and codes do not fit together', () => {
    const two = list(strIndex('a', 'b'), strIndex('c'));
    expect(refusal(multi({ levels: two })).message).toBe('$: MultiIndex needs levels and codes');
    expect(refusal(multi({ codes: list(codes8(0)) })).message).toBe('$: MultiIndex needs levels and codes');
    expect(refusal(multi({ levels: two, codes: list(codes8(0)) })).message).toBe(
      '$: MultiIndex levels and codes differ in number',
    );
    expect(refusal(multi({ levels: two, codes: list(codes8(0, 1), codes8(0)) })).message).toBe(
      '$: MultiIndex codes differ in length',
    );
    expect(refusal(multi({ levels: two, codes: list(codes8(2), codes8(0)) })).message).toBe(
      '$: MultiIndex code 2 out of range',
    );
    expect(refusal(multi({ levels: two, codes: list(codes8(0), codes8(0xfe)) })).message).toBe(
      '$: MultiIndex code -2 out of range',
    );
    expect(refusal(multi({ levels: list(rangeIndex(0n, 2n)), codes: list(codes8(0)) })).message).toBe(
      '$: MultiIndex level must be a flat Index',
    );
    expect(
      refusal(multi({ levels: list(strIndex('a')), codes: list(ndarray(dtype('f8'), [1], f64(0))) })).message,
    ).toBe('$: MultiIndex codes must be integers');
    expect(refusal(multi({ levels: list(strIndex('a')), codes: list('0') })).message).toBe(
      '$.codes[0]: MultiIndex codes: expected a numpy array, got str',
    );
  });
});

// ── frames and series ─────────────────────────────────────────────────────

function block(values: PyValue, placement: PyValue, name = 'pandas._libs.internals._unpickle_block'): PyCall {
  return call(name, [values, placement, 2n]);
}
function range(start: bigint | null, stop: bigint | null, step: bigint | null = null): PyCall {
  return call('builtins.slice', [start, stop, step]);
}
function mgr(blocks: PyValue[], ...axes: PyValue[]): PyCall {
  return call('pandas.core.internals.managers.BlockManager', [tuple(...blocks), list(...axes)]);
}
function dataFrame(m: PyValue, key = '_mgr'): PyCall {
  return call('pandas.core.frame.DataFrame', [], dict({ [key]: m }));
}
const twoByThree = () => ndarray(dtype('i8'), [2, 3], i64(1, 2, 3, 4, 5, 6));

describe('pandas DataFrames through the BlockManager', () => {
  it('place the rows of each block into the columns its placement names', () => {
    const frame = dataFrame(
      mgr(
        [
          block(twoByThree(), ndarray(dtype('i8'), [2], i64(2, 0))),
          block(objects([1, 3], ['x', 'y', 'z']), range(1n, 2n)),
        ],
        strIndex('a', 'b', 'c'),
        rangeIndex(0n, 3n),
      ),
    );
    expect(lowered(frame)).toEqual({
      $dataframe: {
        columns: ['a', 'b', 'c'],
        dtypes: ['int64', 'object', 'int64'],
        index: { names: [null], range: [0, 3, 1] },
        data: [
          [4, 5, 6],
          ['x', 'y', 'z'],
          [1, 2, 3],
        ],
      },
    });
  });

  it('split a 2-D complex block into its columns', () => {
    const c = ndarray(dtype('c16'), [2, 1], f64(1, 2, 3, 4));
    const frame = dataFrame(mgr([block(c, range(0n, 2n))], strIndex('re', 'im'), rangeIndex(0n, 1n)));
    expect(lowered(frame)).toMatchObject({
      $dataframe: {
        dtypes: ['complex128', 'complex128'],
        data: [[{ $complex: [1, 2] }], [{ $complex: [3, 4] }]],
      },
    });
  });

  it('read placement slices with defaults and a step', () => {
    const frame = (placement: PyValue, ncols: number) =>
      lowered(
        dataFrame(
          mgr(
            [
              block(twoByThree(), placement),
              block(
                ndarray(dtype('i8'), [ncols - 2, 3], i64(...Array(3 * (ncols - 2)).fill(0))),
                range(1n, 2n),
              ),
            ],
            rangeIndex(0n, BigInt(ncols)),
            rangeIndex(0n, 3n),
          ),
        ),
      ) as { $dataframe: { data: unknown[] } };
    expect(frame(range(0n, null, 2n), 3).$dataframe.data).toEqual([
      [1, 2, 3],
      [0, 0, 0],
      [4, 5, 6],
    ]);
    expect(frame(range(null, 3n, 2n), 3).$dataframe.data).toEqual([
      [1, 2, 3],
      [0, 0, 0],
      [4, 5, 6],
    ]);
    // a slice pickled with fewer arguments
    const short = dataFrame(
      mgr([block(twoByThree(), call('builtins.slice', [0n, 2n]))], rangeIndex(0n, 2n), rangeIndex(0n, 3n)),
    );
    expect((lowered(short) as { $dataframe: { data: unknown[] } }).$dataframe.data).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const bare = dataFrame(
      mgr([block(twoByThree(), call('builtins.slice', []))], rangeIndex(0n, 2n), rangeIndex(0n, 3n)),
    );
    expect((lowered(bare) as { $dataframe: { data: unknown[] } }).$dataframe.data).toHaveLength(2);
    const twoCols = dataFrame(
      mgr([block(twoByThree(), range(null, null))], rangeIndex(0n, 2n), rangeIndex(0n, 3n)),
    );
    expect((lowered(twoCols) as { $dataframe: { data: unknown[] } }).$dataframe.data).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('label the columns of a RangeIndex with a step, and of a MultiIndex with tuples', () => {
    const stepped = dataFrame(
      mgr([block(twoByThree(), range(0n, 2n))], rangeIndex(10n, 14n, 2n), rangeIndex(0n, 3n)),
    );
    expect((lowered(stepped) as { $dataframe: { columns: unknown } }).$dataframe.columns).toEqual([10, 12]);
    const mi = call('pandas.core.indexes.base._new_Index', [
      global('pandas.core.indexes.multi.MultiIndex'),
      dict({
        levels: list(strIndex('a'), strIndex('x', 'y')),
        codes: list(ndarray(dtype('i1'), [2], [0, 0]), ndarray(dtype('i1'), [2], [1, 0])),
      }),
    ]);
    const frame = dataFrame(mgr([block(twoByThree(), range(0n, 2n))], mi, rangeIndex(0n, 3n)), '_data');
    expect((lowered(frame) as { $dataframe: { columns: unknown } }).$dataframe.columns).toEqual([
      { $tuple: ['a', 'y'] },
      { $tuple: ['a', 'x'] },
    ]);
  });

  it('read the legacy 0.14.1 state and new_block blocks', () => {
    const legacy = call(
      'pandas.core.internals.managers.BlockManager',
      [],
      tuple(
        null,
        null,
        null,
        dict({
          '0.14.1': dict({
            axes: list(strIndex('a', 'b'), rangeIndex(0n, 3n)),
            blocks: list(dict({ values: twoByThree(), mgr_locs: range(0n, 2n) })),
          }),
        }),
      ),
    );
    const expected = {
      columns: ['a', 'b'],
      data: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    };
    expect(lowered(dataFrame(legacy))).toMatchObject({ $dataframe: expected });
    const single = call('pandas.core.internals.managers.BlockManager', [
      block(twoByThree(), range(0n, 2n), 'pandas.core.internals.blocks.new_block'),
      list(strIndex('a', 'b'), rangeIndex(0n, 3n)),
    ]);
    expect(lowered(dataFrame(single))).toMatchObject({ $dataframe: expected });
    const bad = (state: PyValue) =>
      refusal(dataFrame(call('pandas.core.internals.managers.BlockManager', [], state))).message;
    expect(bad(tuple(null, null, null, dict({ '0.14.1': dict({ axes: list() }) })))).toBe(
      '$._mgr: BlockManager state without axes/blocks',
    );
    expect(bad(tuple(null, null, null, dict({ '0.14.1': dict({ blocks: list() }) })))).toMatch(
      /without axes\/blocks/,
    );
    expect(
      bad(tuple(null, null, null, dict({ '0.14.1': dict({ axes: list(), blocks: list(tuple()) }) }))),
    ).toBe('$._mgr: block state must be a dict');
    expect(bad(tuple(null, null, null, dict({ other: dict({}) })))).toBe(
      '$._mgr: pandas.core.internals.managers.BlockManager: unrecognised pickled layout',
    );
    expect(bad(tuple(null, null, dict({ '0.14.1': dict({}) })))).toMatch(/unrecognised pickled layout/);
  });

  it('refuse placements outside the columns, twice, short or long, and holes', () => {
    const frame = (blocks: PyCall[], ncols = 2, nrows = 3n) =>
      refusal(dataFrame(mgr(blocks, rangeIndex(0n, BigInt(ncols)), rangeIndex(0n, nrows)))).message;
    const oneRow = () => ndarray(dtype('i8'), [1, 3], i64(1, 2, 3));
    expect(frame([block(twoByThree(), ndarray(dtype('i8'), [2], i64(0, 2)))])).toBe(
      '$._mgr.blocks[0]: block placement 2 outside the 2 columns',
    );
    expect(frame([block(twoByThree(), ndarray(dtype('i8'), [2], i64(-1, 0)))])).toMatch(
      /placement -1 outside/,
    );
    expect(frame([block(oneRow(), range(0n, 1n)), block(oneRow(), range(0n, 1n))])).toBe(
      '$._mgr.blocks[1]: column 0 is placed by two blocks',
    );
    expect(frame([block(oneRow(), range(1n, 2n))])).toBe('$._mgr: column 0 is not placed by any block');
    expect(frame([block(oneRow(), range(0n, 1n))])).toBe('$._mgr: column 1 is not placed by any block');
    expect(frame([block(twoByThree(), range(0n, 2n))], 2, 4n)).toBe(
      '$._mgr.blocks[0]: column 0 has 3 rows, the index has 4',
    );
    expect(frame([block(twoByThree(), range(0n, 1n))])).toBe(
      '$._mgr.blocks[0]: block placement covers 1 columns, block has 2',
    );
    expect(frame([block(twoByThree(), range(0n, 1_000_000_000_000n))])).toBe(
      '$._mgr.blocks[0]: block placement covers 3 columns, block has 2',
    );
    expect(frame([block(twoByThree(), range(0n, 2n, 0n))])).toBe(
      '$._mgr.blocks[0]: block placement slice step must be positive',
    );
    expect(frame([block(twoByThree(), range(2n, 0n, -1n))])).toMatch(/step must be positive/);
    expect(frame([block(twoByThree(), ndarray(dtype('f8'), [2], f64(0, 1)))])).toBe(
      '$._mgr.blocks[0]: block placement must be integers',
    );
    expect(frame([block(twoByThree(), null)])).toBe(
      '$._mgr.blocks[0]: block placement: expected a numpy array, got nothing',
    );
    expect(frame([call('pandas._libs.internals.other', [twoByThree()])])).toBe(
      '$._mgr: BlockManager blocks must be _unpickle_block(values, placement, ndim)',
    );
    expect(frame([tuple(twoByThree()) as never])).toMatch(/must be _unpickle_block/);
  });

  it('refuse frames without state, manager or two axes', () => {
    expect(refusal(call('pandas.core.frame.DataFrame')).message).toBe('$: DataFrame without state');
    expect(refusal(call('pandas.core.frame.DataFrame', [], dict({}))).message).toBe(
      '$: DataFrame state has no _mgr',
    );
    expect(refusal(dataFrame('mgr')).message).toBe('$._mgr: expected a BlockManager, got str');
    expect(
      refusal(dataFrame(call('pandas.core.internals.managers.ArrayManager', [list(), list()]))).message,
    ).toBe('$._mgr: expected a BlockManager, got pandas.core.internals.managers.ArrayManager');
    expect(refusal(dataFrame(mgr([], rangeIndex(0n, 0n)))).message).toBe(
      '$._mgr: DataFrame manager has 1 axes, expected 2',
    );
    expect(refusal(dataFrame(mgr([], rangeIndex(0n, 0n), 'rows'))).message).toBe(
      '$._mgr: index: expected a pandas Index',
    );
    expect(refusal(dataFrame(mgr([], 'cols', rangeIndex(0n, 0n)))).message).toBe(
      '$._mgr: columns: expected a pandas Index',
    );
    const newobj = new PyCall(
      global('pandas.core.internals.managers.BlockManager'),
      [list(), list()],
      'newobj',
      0,
    );
    expect(refusal(dataFrame(newobj)).message).toBe(
      '$._mgr: pandas.core.internals.managers.BlockManager: unrecognised pickled layout',
    );
    const threeArgs = call('pandas.core.internals.managers.BlockManager', [list(), list(), list()]);
    expect(refusal(dataFrame(threeArgs)).message).toMatch(/unrecognised pickled layout/);
    expect(lowered(dataFrame(mgr([], rangeIndex(0n, 0n), rangeIndex(0n, 0n))))).toMatchObject({
      $dataframe: { columns: [], data: [] },
    });
  });

  it('refuse block values that are not arrays', () => {
    const frame = (values: PyValue) =>
      refusal(dataFrame(mgr([block(values, range(0n, 1n))], rangeIndex(0n, 1n), rangeIndex(0n, 1n)))).message;
    expect(frame('v')).toBe('$._mgr.blocks[0]: expected an array, got str');
    expect(frame(call('pandas.core.arrays.sparse.SparseArray'))).toBe(
      '$._mgr.blocks[0]: pandas.core.arrays.sparse.SparseArray is not supported as array data',
    );
  });
});

describe('pandas Series', () => {
  const singleBlock = (values: PyValue, idx: PyValue) =>
    call('pandas.core.internals.managers.SingleBlockManager', [block(values, range(0n, 1n)), idx]);
  const series = (state: PyValue) => call('pandas.core.series.Series', [], state);

  it('read the values, the index and the name (_name or name)', () => {
    expect(lowered(series(dict({ _mgr: singleBlock(ints(4, 5), strIndex('a', 'b')), _name: 's' })))).toEqual({
      $series: {
        name: 's',
        dtype: 'int64',
        index: { names: [null], levels: [{ dtype: 'object', data: ['a', 'b'] }] },
        data: [4, 5],
      },
    });
    expect(
      lowered(series(dict({ _data: singleBlock(ints(4), rangeIndex(0n, 1n)), name: 'old' }))),
    ).toMatchObject({
      $series: { name: 'old' },
    });
    expect(lowered(series(dict({ _mgr: singleBlock(ints(4), rangeIndex(0n, 1n)) })))).toMatchObject({
      $series: { name: null },
    });
  });

  it('refuse a series without state, manager, one block and one axis, or of another length', () => {
    expect(refusal(series(null)).message).toBe('$: Series without state');
    expect(refusal(series(dict({}))).message).toBe('$: Series state has no _mgr');
    expect(refusal(series(dict({ _mgr: singleBlock(ints(4, 5), rangeIndex(0n, 3n)) }))).message).toBe(
      '$._mgr: Series has 2 values, its index 3',
    );
    const twoAxes = call('pandas.core.internals.managers.SingleBlockManager', [
      block(ints(1), range(0n, 1n)),
      list(rangeIndex(0n, 1n), rangeIndex(0n, 1n)),
    ]);
    expect(refusal(series(dict({ _mgr: twoAxes }))).message).toBe(
      '$._mgr: Series manager must have one axis and one block',
    );
    const twoBlocks = call('pandas.core.internals.managers.SingleBlockManager', [
      list(block(ints(1), range(0n, 1n)), block(ints(1), range(0n, 1n))),
      rangeIndex(0n, 1n),
    ]);
    expect(refusal(series(dict({ _mgr: twoBlocks }))).message).toMatch(/one axis and one block/);
    expect(refusal(series(dict({ _mgr: singleBlock(twoByThree(), rangeIndex(0n, 3n)) }))).message).toBe(
      '$._mgr.values: Series values: expected a 1-D array',
    );
  });
});
