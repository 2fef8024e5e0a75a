/**
 * Lowering of date and time values: Python `datetime` / `date` / `time` / `timedelta` / time zones (pytz,
 * `datetime.timezone`, zoneinfo), pandas `Timestamp`, `Timedelta` and date offsets.
 */

import { asInt, fail } from './lower-context.ts';
import { type Lowered, type TimeUnit, UNIT_NS } from './lowered.ts';
import { PyBytes, PyCall, type PyValue, pyTypeName } from './values.ts';

/** numpy's datetime unit codes, as pandas pickles a Timestamp's resolution. */
const NPY_UNITS: Record<number, TimeUnit> = { 7: 's', 8: 'ms', 9: 'us', 10: 'ns' };

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

function bytesArg(v: PyValue | undefined, length: number, what: string): Uint8Array {
  if (v instanceof PyBytes && v.data.length === length) return v.data;
  if (typeof v === 'string' && v.length === length) return Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff);
  fail(`datetime.${what}: expected ${length} state bytes`);
}

/** `datetime.datetime(state_bytes[, tz])`. */
export function lowerDatetime(call: PyCall): Lowered {
  const b = bytesArg(call.args[0], 10, 'datetime');
  const year = b[0]! * 256 + b[1]!;
  const month = b[2]! & 0x7f;
  const [day, hour, minute, second] = [b[3]!, b[4]!, b[5]!, b[6]!];
  const us = (b[7]! << 16) | (b[8]! << 8) | b[9]!;
  const tzArg = call.args[1];
  const tz = tzArg === undefined || tzArg === null ? null : timeZone(tzArg);
  const off = tz?.offsetSeconds ?? null;
  const iso =
    `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}` +
    `${us ? `.${pad(us, 6)}` : ''}${off === null ? '' : offsetText(off)}`;
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const epochMicros = BigInt(epochMs) * 1000n + BigInt(us) - BigInt(off ?? 0) * 1_000_000n;
  return { $: 'datetime', iso, epochMicros };
}

/** `datetime.date(state_bytes)`. */
export function lowerDate(call: PyCall): Lowered {
  const b = bytesArg(call.args[0], 4, 'date');
  return { $: 'date', iso: `${pad(b[0]! * 256 + b[1]!, 4)}-${pad(b[2]!)}-${pad(b[3]!)}` };
}

/** `datetime.time(state_bytes[, tz])`. */
export function lowerTime(call: PyCall): Lowered {
  const a = call.args;
  const b = bytesArg(a[0], 6, 'time');
  const us = (b[3]! << 16) | (b[4]! << 8) | b[5]!;
  const tz = a[1] === undefined || a[1] === null ? null : timeZone(a[1]);
  const off = tz?.offsetSeconds;
  return {
    $: 'time',
    iso: `${pad(b[0]! & 0x7f)}:${pad(b[1]!)}:${pad(b[2]!)}${us ? `.${pad(us, 6)}` : ''}${off == null ? '' : offsetText(off)}`,
  };
}

/** `datetime.timedelta(days, seconds, microseconds)`. */
export function lowerTimedelta(call: PyCall): Lowered {
  const a = call.args;
  return {
    $: 'timedelta',
    days: asInt(a[0] ?? 0n),
    seconds: asInt(a[1] ?? 0n),
    microseconds: asInt(a[2] ?? 0n),
  };
}

/** pandas `Timestamp` (`_unpickle_timestamp(value, freq, tz, reso)`). */
export function lowerTimestamp(call: PyCall): Lowered {
  const a = call.args;
  const value = a[0];
  if (typeof value !== 'bigint') fail('Timestamp value must be an int');
  const reso = a[3] === undefined ? 10 : asInt(a[3]);
  const unit = NPY_UNITS[reso];
  if (!unit) fail(`Timestamp resolution ${reso} is not supported`);
  const tz = a[2] === undefined || a[2] === null ? null : timeZone(a[2]).name;
  return { $: 'timestamp', ns: value * UNIT_NS[unit], tz };
}

/** pandas `Timedelta` (`_timedelta_unpickle(value, reso)`). */
export function lowerPandasTimedelta(call: PyCall): Lowered {
  const a = call.args;
  const value = a[0];
  if (typeof value !== 'bigint') fail('Timedelta value must be an int');
  const unit = NPY_UNITS[a[1] === undefined ? 10 : asInt(a[1])];
  if (!unit) fail('Timedelta resolution is not supported');
  return { $: 'timedelta64', value: value * UNIT_NS[unit], unit: 'ns' };
}

/** A pandas date offset (`Day(n)`, `MonthEnd(n)`, …). */
export function lowerOffset(call: PyCall): Lowered {
  const n = call.args[0];
  return {
    $: 'offset',
    name: call.fn.name.slice('pandas._libs.tslibs.offsets.'.length),
    n: n === undefined ? 1 : asInt(n),
  };
}

/** A time zone object as its name (`str(tz)` in Python) and fixed offset when it has one. */
export function timeZone(v: PyValue): { name: string; offsetSeconds: number | null } {
  if (!(v instanceof PyCall)) fail(`expected a time zone, got ${pyTypeName(v)}`);
  const a = v.args;
  switch (v.fn.name) {
    case 'pytz._UTC':
      return { name: 'UTC', offsetSeconds: 0 };
    case 'pytz._p': {
      if (typeof a[0] !== 'string') fail('pytz zone name must be a string');
      return { name: a[0], offsetSeconds: typeof a[1] === 'bigint' ? Number(a[1]) : null };
    }
    case 'zoneinfo.ZoneInfo._unpickle':
      if (typeof a[0] !== 'string') fail('zoneinfo key must be a string');
      return { name: a[0], offsetSeconds: null };
    case 'datetime.timezone': {
      const td = a[0];
      if (!(td instanceof PyCall) || td.fn.name !== 'datetime.timedelta') fail('timezone needs a timedelta');
      const seconds = asInt(td.args[0] ?? 0n) * 86400 + asInt(td.args[1] ?? 0n);
      if (typeof a[1] === 'string') return { name: a[1], offsetSeconds: seconds };
      return { name: seconds === 0 ? 'UTC' : `UTC${offsetText(seconds)}`, offsetSeconds: seconds };
    }
  }
  fail(`time zone ${v.fn.written} is not supported`);
}
