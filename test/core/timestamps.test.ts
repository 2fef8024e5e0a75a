import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { appendRows, epochMicros, TableWriter } from '../../src/load.ts';

// 2024-05-01T12:34:56.123456Z in epoch microseconds.
const MICROS = 1714566896123456n;

async function memoryConnection() {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

describe('epochMicros', () => {
  it('reads bigint µs, ms numbers with a fraction, ISO strings to the µs, and Dates to the ms', () => {
    expect(epochMicros(MICROS)).toBe(MICROS);
    expect(epochMicros(1714566896123.456)).toBe(MICROS);
    expect(epochMicros('2024-05-01T12:34:56.123456Z')).toBe(MICROS);
    expect(epochMicros('2024-05-01 12:34:56.123456')).toBe(MICROS);
    expect(epochMicros('2024-05-01T14:34:56.123456+02:00')).toBe(MICROS);
    expect(epochMicros('2024-05-01T14:34:56.123456+0200')).toBe(MICROS);
    expect(epochMicros('2024-05-01T12:34:56.123456789Z')).toBe(MICROS);
    expect(epochMicros('2024-05-01T12:34:56.1Z')).toBe(1714566896100000n);
    expect(epochMicros('2024-05-01')).toBe(1714521600000000n);
    expect(epochMicros(new Date('2024-05-01T12:34:56.123Z'))).toBe(1714566896123000n);
    // Before the epoch the fraction still moves forward in time.
    expect(epochMicros('1969-12-31T23:59:59.999999Z')).toBe(-1n);
    expect(epochMicros(-0.5)).toBe(-500n);
  });

  it('refuses what is not a timestamp, naming the value', () => {
    expect(() => epochMicros('yesterday')).toThrow('"yesterday"');
    expect(() => epochMicros('2024-13-45T00:00:00Z')).toThrow('2024-13-45');
    expect(() => epochMicros(new Date(Number.NaN))).toThrow('Invalid Date');
    expect(() => epochMicros(Number.POSITIVE_INFINITY)).toThrow('Infinity');
    expect(() => epochMicros(true)).toThrow('boolean');
  });
});

describe('TableWriter timestamps', () => {
  it('keeps microseconds in TIMESTAMPTZ and TIMESTAMP columns, also inside lists', async () => {
    const { conn, close } = await memoryConnection();
    await conn.run('CREATE TABLE t (n INTEGER, tz TIMESTAMPTZ, plain TIMESTAMP, many TIMESTAMPTZ[])');
    const writer = await TableWriter.open(conn, 't');
    writer.append([1, MICROS, MICROS, [MICROS, '2024-05-01T12:34:56.000001Z']]);
    writer.append([2, '2024-05-01T12:34:56.123456Z', '2024-05-01 12:34:56.123456', []]);
    writer.append([3, 1714566896123.456, 1714566896123.456, null]);
    writer.append([4, new Date('2024-05-01T12:34:56.123Z'), new Date('2024-05-01T12:34:56.123Z'), null]);
    writer.append([5, null, null, null]);
    expect(writer.close()).toBe(5);
    const reader = await conn.runAndReadAll(
      `SELECT n, epoch_us(tz)::VARCHAR AS tz, epoch_us(plain)::VARCHAR AS plain,
              strftime(tz, '%Y-%m-%d %H:%M:%S.%f') AS text, list_transform(many, x -> epoch_us(x)::VARCHAR) AS many
       FROM t ORDER BY n`,
    );
    expect(reader.getRowObjectsJS()).toEqual([
      {
        n: 1,
        tz: String(MICROS),
        plain: String(MICROS),
        text: '2024-05-01 12:34:56.123456',
        many: [String(MICROS), '1714566896000001'],
      },
      { n: 2, tz: String(MICROS), plain: String(MICROS), text: '2024-05-01 12:34:56.123456', many: [] },
      { n: 3, tz: String(MICROS), plain: String(MICROS), text: '2024-05-01 12:34:56.123456', many: null },
      {
        n: 4,
        tz: '1714566896123000',
        plain: '1714566896123000',
        text: '2024-05-01 12:34:56.123000',
        many: null,
      },
      { n: 5, tz: null, plain: null, text: null, many: null },
    ]);
    close();
  });

  it('fails on a bad timestamp string, and leaves other column types to the client converter', async () => {
    const { conn, close } = await memoryConnection();
    await conn.run('CREATE TABLE t (ts TIMESTAMPTZ, x DOUBLE, s VARCHAR)');
    const error = await appendRows(conn, 't', [['not a time', 1, 'a']]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).cause)).toContain('"not a time"');
    await conn.run('DELETE FROM t');
    expect(await appendRows(conn, 't', [[null, 1.5, 'b']])).toBe(1);
    expect((await conn.runAndReadAll('SELECT x, s FROM t')).getRowObjectsJS()).toEqual([{ x: 1.5, s: 'b' }]);
    close();
  });
});
