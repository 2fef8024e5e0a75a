import { describe, expect, it } from 'vitest';
import { PickleError } from '../../ingest/pickle/index.ts';
import { PyBytes, PyCall } from '../../ingest/pickle/values.ts';
import { loadPickle } from '../../ingest/pickle/vm.ts';
import { bytes, type PicklePart, sbu, u32, u64 } from './pickle-bytes.ts';

// Edges of the pickle VM: exact limits (a limit is the largest allowed value), the memo's dense and
// sparse halves, text literals, bytes opcodes' mutability, and the wording of refusals.

const load = (parts: PicklePart[], limits = {}) => loadPickle(bytes(...parts), limits);
function refused(parts: PicklePart[], limits = {}): PickleError {
  try {
    loadPickle(bytes(...parts), limits);
  } catch (e) {
    if (e instanceof PickleError) return e;
    throw e;
  }
  throw new Error('expected the pickle to be refused');
}

describe('limits are inclusive', () => {
  it('a stack of exactly maxStack values loads; MARKs count toward it', () => {
    expect(load(['\x80\x02NN0.'], { maxStack: 2 })).toBeNull();
    expect(refused(['\x80\x02(N0(.'], { maxStack: 1 }).message).toBe('stack deeper than the limit of 1');
  });

  it('exactly maxAllocation bytes load', () => {
    expect(load(['\x80\x02X', u32(5), 'abcde.'], { maxAllocation: 5 })).toBe('abcde');
  });

  it('LONG4 of exactly maxIntBytes bytes loads; LONG4 of 0 bytes is 0', () => {
    expect(load(['\x80\x02\x8b', u32(2), [1, 2], '.'], { maxIntBytes: 2 })).toBe(0x201n);
    expect(load(['\x80\x02\x8b', u32(0), '.'])).toBe(0n);
    expect(refused(['\x80\x02\x8b', [0xff, 0xff, 0xff, 0xff], '.']).message).toBe(
      'LONG pickle has negative byte count',
    );
  });
});

describe('memo', () => {
  it('a PUT to an index already in use replaces the value', () => {
    expect(load(['\x80\x02', sbu('a'), 'q\x00', sbu('b'), 'q\x00', 'h\x00.'])).toBe('b');
  });

  it('finds a sparse entry whose index the dense part has just reached', () => {
    // 'a' at 1 (sparse: 0 is not used yet), 'b' at 0 (dense), then 1 is read from the sparse part.
    expect(load(['\x80\x02', sbu('a'), 'q\x01', sbu('b'), 'q\x00', '0', 'h\x01.'])).toBe('a');
  });
});

describe('declared lengths', () => {
  it('name the bytes actually left, from the read position', () => {
    expect(refused(['\x80\x02X', u32(10), 'abc.']).message).toBe(
      'BINUNICODE: declared length 10 exceeds the 4 bytes left in the pickle (truncated or corrupt)',
    );
    // A FRAME longer than what is left but shorter than the whole pickle.
    expect(refused(['\x80\x04\x95', u64(5), 'N.']).message).toBe(
      'FRAME: declared length 5 exceeds the 2 bytes left in the pickle (truncated or corrupt)',
    );
  });
});

describe('text literals', () => {
  it('INT and LONG: surrounding spaces and one trailing L; anything else refused, quoted to 40 characters', () => {
    expect(load(['I 12 \n.'])).toBe(12n);
    expect(load(['L12L\n.'])).toBe(12n);
    expect(refused(['I1L2\n.']).message).toBe('INT: invalid literal "1L2"');
    expect(refused(['Ix12\n.']).message).toBe('INT: invalid literal "x12"');
    expect(refused(['I12x\n.']).message).toBe('INT: invalid literal "12x"');
    expect(refused([`I${'9'.repeat(30)}x${'z'.repeat(30)}\n.`]).message).toBe(
      `INT: invalid literal "${'9'.repeat(30)}x${'z'.repeat(9)}"`,
    );
  });

  it('FLOAT: every decimal form, spaces trimmed; others refused, quoted to 40 characters', () => {
    const floats: [string, number][] = [
      ['+1.5', 1.5],
      ['12.5', 12.5],
      ['.25', 0.25],
      ['.125', 0.125],
      ['1e10', 1e10],
      ['1e+5', 1e5],
      ['2E-3', 0.002],
      [' 3.5 ', 3.5],
    ];
    for (const [text, v] of floats) expect(load([`F${text}\n.`]), text).toBe(v);
    expect(refused(['F1e\n.']).message).toBe('FLOAT: invalid literal "1e"');
    expect(refused([`F${'1'.repeat(45)}x\n.`]).message).toBe(`FLOAT: invalid literal "${'1'.repeat(40)}"`);
  });
});

describe('bytes opcodes', () => {
  it('BINBYTES, SHORT_BINBYTES and BINBYTES8 give immutable bytes, BYTEARRAY8 a bytearray', () => {
    expect(load(['\x80\x03B', u32(1), 'a.'])).toEqual(new PyBytes(Buffer.from('a'), false));
    expect(load(['\x80\x03C\x01a.'])).toEqual(new PyBytes(Buffer.from('a'), false));
    expect(load(['\x80\x04\x8e', u64(1), 'a.'])).toEqual(new PyBytes(Buffer.from('a'), false));
    expect(load(['\x80\x05\x96', u64(1), 'a.'])).toEqual(new PyBytes(Buffer.from('a'), true));
  });
});

describe('globals and objects', () => {
  it('STACK_GLOBAL needs two strings', () => {
    expect(refused(['\x80\x04K\x01', sbu('x'), '\x93.']).message).toBe('STACK_GLOBAL requires str');
    expect(refused(['\x80\x04', sbu('x'), 'K\x01\x93.']).message).toBe('STACK_GLOBAL requires str');
  });

  it('NEWOBJ of an allowed class records its arguments', () => {
    const obj = load(['\x80\x02cpandas.core.indexes.base\nIndex\n', 'K\x01K\x02\x86\x81.']);
    expect(obj).toBeInstanceOf(PyCall);
    expect((obj as PyCall).args).toEqual([1n, 2n]);
  });

  it('a refusal carries its hint only when it has one', () => {
    expect(refused(["S'a'\n."]).hint).toBe('write the pickle with Python 3');
    expect(refused(['\x80\x02\x82\x01.']).hint).toBeUndefined();
  });

  it('names a printable invalid opcode, from space to tilde', () => {
    expect(refused(['\x80\x02 .']).message).toBe('invalid pickle opcode 0x20 (" ")');
    expect(refused(['\x80\x02\x1f.']).message).toBe('invalid pickle opcode 0x1f');
    expect(refused(['\x80\x02\x7f.']).message).toBe('invalid pickle opcode 0x7f');
  });
});

describe('arguments of the evaluated calls', () => {
  it('getattr takes exactly two arguments', () => {
    expect(
      refused(['\x80\x02cbuiltins\ngetattr\nczoneinfo\nZoneInfo\n', sbu('_unpickle'), 'N\x87R.']).message,
    ).toMatch(/^builtins\.getattr is only allowed/);
  });

  it('bytes() names the type it cannot take', () => {
    expect(refused(['\x80\x02cbuiltins\nbytes\nK\x01\x85R.']).message).toBe(
      'builtins.bytes: unsupported argument int',
    );
  });

  it('OrderedDict items that are not sequences are refused as such', () => {
    expect(refused(['\x80\x02ccollections\nOrderedDict\n(K\x01K\x02l\x85R.']).message).toBe(
      'OrderedDict items must be pairs',
    );
  });

  it('bytes are a valid dict key, a bytearray is not', () => {
    expect(load(['\x80\x03}C\x01aNs.'])).toBeDefined();
    expect(refused(['\x80\x03}cbuiltins\nbytearray\n)RNs.']).message).toBe("unhashable type: 'bytearray'");
  });

  it('a refusal names its byte offset in the human line', () => {
    const error = refused(['\x80\x02\x82\x01.']);
    expect(error.location).toStrictEqual({ offset: 2 });
    expect(error.kind).toBe('input');
    expect(error.toHumanLine()).toBe('at byte 2: copyreg extension codes (EXT1/2/4) are not supported');
  });
});
