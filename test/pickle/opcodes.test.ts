import { describe, expect, it } from 'vitest';
import { toCanonical } from '../../ingest/pickle/canonical.ts';
import { PickleError, readPickle } from '../../ingest/pickle/index.ts';
import { PyBytes, type PySet } from '../../ingest/pickle/values.ts';
import { loadPickle } from '../../ingest/pickle/vm.ts';
import { bytes, type PicklePart, sbu, u32, u64 } from './pickle-bytes.ts';

// One family of opcodes per describe, on hand-assembled pickles (opcode bytes as in CPython's pickle.py),
// each checking the value read and, for refusals, the message and the byte offset of the opcode at fault.

const read = (...parts: PicklePart[]) => toCanonical(readPickle(bytes(...parts)));
function refusal(...parts: PicklePart[]): { message: string; offset: number } {
  try {
    readPickle(bytes(...parts));
  } catch (e) {
    if (e instanceof PickleError) return { message: e.message, offset: e.pickleOffset };
    throw e;
  }
  throw new Error('expected the pickle to be refused');
}

describe('memo: BINPUT/BINGET (u8 index)', () => {
  it('store and fetch by a one-byte index, whatever the order', () => {
    // ['a', 'b'] stored at 5 and 7, fetched as (b, a, b)
    expect(read('\x80\x02', sbu('a'), 'q\x05', sbu('b'), 'q\x07', '0', '0', 'h\x07h\x05h\x07\x87.')).toEqual({
      $tuple: ['b', 'a', 'b'],
    });
  });

  it('index 255 is the last one-byte index', () => {
    expect(read('\x80\x02', sbu('x'), 'q\xff0h\xff.')).toBe('x');
  });

  it('a missing index is refused at the BINGET', () => {
    expect(refusal('\x80\x02', sbu('x'), 'q\x01h\x02.')).toEqual({
      message: 'memo value not found at index 2',
      offset: 7,
    });
  });
});

describe('memo: LONG_BINPUT/LONG_BINGET (u32 little-endian index)', () => {
  it('store and fetch by a four-byte index, all four bytes significant', () => {
    // 'lo' at 0x00000104 (260), 'hi' at 0x04010000: a reader of one byte, or of the wrong end, mixes them up.
    const data = ['\x80\x02', sbu('lo'), 'r', u32(0x104), '0', sbu('hi'), 'r', u32(0x04010000), '0'] as const;
    expect(read(...data, 'j', u32(0x04010000), 'j', u32(0x104), '\x86.')).toEqual({ $tuple: ['hi', 'lo'] });
    expect(read(...data, 'j', u32(0x104), '.')).toBe('lo');
  });

  it('reach more than 256 entries (the memo of a long list)', () => {
    const parts: (string | Uint8Array)[] = ['\x80\x02('];
    for (let i = 0; i < 300; i++) parts.push('M', bytes([i & 0xff, i >> 8]), 'r', u32(i));
    // The list is built and dropped; the memo keeps its 300 items.
    parts.push('l0', 'j', u32(299), 'j', u32(256), 'j', u32(255), '\x87.');
    expect(read(...parts)).toEqual({ $tuple: [299, 256, 255] });
  });

  it('a missing four-byte index is refused, naming it', () => {
    expect(refusal('\x80\x02', sbu('x'), 'r', u32(300), 'j', u32(301), '.')).toEqual({
      message: 'memo value not found at index 301',
      offset: 10,
    });
  });

  it('a truncated index is refused', () => {
    expect(refusal('\x80\x02', sbu('x'), 'r\x01\x00').message).toMatch(/truncated pickle/);
  });
});

describe('memo: PUT/GET (text index) and MEMOIZE', () => {
  it('PUT/GET take a decimal index on a line', () => {
    expect(read('(lp12\nI3\nag12\n\x86.')).toEqual({ $tuple: [[3], [3]] });
  });

  it('a negative PUT index is refused', () => {
    expect(refusal('N', 'p-1\n.').message).toBe('negative PUT argument');
  });

  it('MEMOIZE numbers entries in order, after indexes already used', () => {
    expect(read('\x80\x04', sbu('a'), '\x94', sbu('b'), '\x94', '00', 'h\x01h\x00\x86.')).toEqual({
      $tuple: ['b', 'a'],
    });
  });

  it('the memo entry limit holds, a sparse index counting as one entry', () => {
    const data = bytes('\x80\x04', sbu('a'), 'r', u32(1 << 30), sbu('b'), '\x94.');
    expect(() => readPickle(data, { maxMemo: 2 })).not.toThrow();
    expect(() => readPickle(data, { maxMemo: 1 })).toThrow('memo larger than the limit of 1 entries');
  });
});

describe('frames (protocol 4+)', () => {
  it('FRAME is a hint: the opcodes inside read as if it were not there, frame after frame', () => {
    const first = bytes(sbu('ab'), '\x94');
    const second = bytes('h\x00\x86.');
    expect(read('\x80\x04\x95', u64(first.length), first, '\x95', u64(second.length), second)).toEqual({
      $tuple: ['ab', 'ab'],
    });
  });

  it('a frame longer than the bytes left is refused at the FRAME opcode', () => {
    expect(refusal('\x80\x04\x95', u64(100), 'N.')).toEqual({
      message: 'FRAME: declared length 100 exceeds the 2 bytes left in the pickle (truncated or corrupt)',
      offset: 2,
    });
  });

  it('a frame of exactly the bytes left is read', () => {
    expect(read('\x80\x04\x95', u64(2), 'N.')).toBeNull();
  });

  it('a FRAME without its 8-byte length is refused', () => {
    expect(refusal('\x80\x04\x95', [1, 0, 0]).message).toMatch(/truncated pickle/);
  });
});

describe('refused opcodes', () => {
  it('copyreg extension codes EXT1/EXT2/EXT4, at the opcode', () => {
    for (const op of ['\x82\x01', '\x83\x01\x00', '\x84\x01\x00\x00\x00']) {
      expect(refusal('\x80\x02', op, '.')).toEqual({
        message: 'copyreg extension codes (EXT1/2/4) are not supported',
        offset: 2,
      });
    }
  });

  it('persistent ids, old-style instances, NEWOBJ_EX, out-of-band buffers, Python 2 strings', () => {
    expect(refusal('Pid\n.').message).toBe('persistent ids (PERSID/BINPERSID) are not supported');
    expect(refusal('\x80\x02NQ.').message).toBe('persistent ids (PERSID/BINPERSID) are not supported');
    expect(refusal('(imod\nname\n.').message).toBe('old-style instances (INST/OBJ) are not supported');
    expect(refusal('(o.').message).toBe('old-style instances (INST/OBJ) are not supported');
    expect(refusal('\x80\x04\x92.').message).toMatch(/^NEWOBJ_EX is not supported/);
    expect(refusal('\x80\x05\x97.').message).toMatch(/^out-of-band buffers \(NEXT_BUFFER\)/);
    for (const op of ["S'a'\n", 'T\x01\x00\x00\x00a', 'U\x01a']) {
      expect(refusal(op, '.').message).toBe('Python 2 str opcodes (STRING/BINSTRING) are not supported');
    }
  });

  it('an unknown opcode, printable or not, and a protocol above 5', () => {
    expect(refusal('\x80\x02!.')).toEqual({ message: 'invalid pickle opcode 0x21 ("!")', offset: 2 });
    expect(refusal('\x80\x02\xff.')).toEqual({ message: 'invalid pickle opcode 0xff', offset: 2 });
    expect(refusal('\x80\x06N.')).toEqual({ message: 'unsupported pickle protocol: 6', offset: 0 });
    expect(read('\x80\x05N.')).toBeNull();
  });
});

describe('constants and numbers', () => {
  it('NONE, NEWTRUE, NEWFALSE and the protocol-0 booleans', () => {
    expect(read('\x80\x02N\x88\x89\x87.')).toEqual({ $tuple: [null, true, false] });
    expect(read('(I00\nI01\nI2\nt.')).toEqual({ $tuple: [false, true, 2] });
  });

  it('BININT is signed 32-bit, BININT1 and BININT2 unsigned little-endian', () => {
    expect(read('\x80\x02J\xfe\xff\xff\xff.')).toBe(-2);
    expect(read('\x80\x02K\xff.')).toBe(255);
    expect(read('\x80\x02M\x02\x01.')).toBe(258);
  });

  it('BINFLOAT is a big-endian double; FLOAT reads text with nan/inf', () => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(-1.5);
    expect(read('\x80\x02G', b, '.')).toBe(-1.5);
    expect(readPickle(bytes('F-inf\n.'))).toBe(Number.NEGATIVE_INFINITY);
    expect(readPickle(bytes('Finf\n.'))).toBe(Number.POSITIVE_INFINITY);
    expect(readPickle(bytes('F-nan\n.'))).toBeNaN();
    expect(readPickle(bytes('F1e-3\n.'))).toBe(0.001);
    expect(refusal('F1.2.3\n.').message).toBe('FLOAT: invalid literal "1.2.3"');
    expect(refusal('Iabc\n.').message).toBe('INT: invalid literal "abc"');
  });
});

describe('strings and bytes', () => {
  it('BINUNICODE, SHORT_BINUNICODE and BINUNICODE8 are UTF-8 of the declared length', () => {
    const text = Buffer.from('héllo');
    expect(read('\x80\x02X', u32(text.length), text, '.')).toBe('héllo');
    expect(read('\x80\x04\x8d', u64(text.length), text, '.')).toBe('héllo');
    expect(read('\x80\x04', sbu('é'), '.')).toBe('é');
    expect(refusal('\x80\x02X', u32(10), 'abc.').message).toMatch(/^BINUNICODE: declared length 10 exceeds/);
  });

  it('BINBYTES, SHORT_BINBYTES, BINBYTES8 are bytes; BYTEARRAY8 a bytearray; READONLY_BUFFER a view', () => {
    expect(read('\x80\x03B', u32(2), 'ab.')).toEqual({ $bytes: '6162' });
    expect(read('\x80\x03C\x01z.')).toEqual({ $bytes: '7a' });
    expect(read('\x80\x04\x8e', u64(1), 'y.')).toEqual({ $bytes: '79' });
    const bytearray = loadPickle(bytes('\x80\x05\x96', u64(1), 'x.'));
    expect(bytearray).toEqual(new PyBytes(Buffer.from('x'), true));
    expect(loadPickle(bytes('\x80\x05\x96', u64(1), 'x\x98.'))).toEqual(new PyBytes(Buffer.from('x'), false));
    expect(refusal('\x80\x05N\x98.').message).toBe('READONLY_BUFFER on None');
  });
});

describe('containers and the stack', () => {
  it('TUPLE1/2/3 keep the pushed order; TUPLE and LIST take everything since the MARK', () => {
    expect(read('\x80\x02K\x01\x85K\x01K\x02\x86K\x01K\x02K\x03\x87\x87.')).toEqual({
      $tuple: [{ $tuple: [1] }, { $tuple: [1, 2] }, { $tuple: [1, 2, 3] }],
    });
    expect(read('\x80\x02(K\x04K\x05t.')).toEqual({ $tuple: [4, 5] });
    expect(read('\x80\x02(K\x04K\x05l.')).toEqual([4, 5]);
    expect(read('\x80\x02(t.')).toEqual({ $tuple: [] });
    expect(read('\x80\x02).')).toEqual({ $tuple: [] });
  });

  it('DICT, SETITEM, SETITEMS, APPEND, APPENDS, EMPTY_SET + ADDITEMS, FROZENSET', () => {
    expect(read('\x80\x02(K\x01K\x02d.')).toEqual({ $dict: [[1, 2]] });
    expect(read('\x80\x02}K\x01K\x02s(K\x03K\x04u.')).toEqual({
      $dict: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(read('\x80\x02]K\x01a(K\x02K\x03e.')).toEqual([1, 2, 3]);
    expect(read('\x80\x04\x8f(K\x02K\x01\x90.')).toEqual({ $set: [1, 2] });
    const frozen = loadPickle(bytes('\x80\x04(K\x02K\x01\x91.')) as PySet;
    expect(frozen.frozen).toBe(true);
    expect(toCanonical(readPickle(bytes('\x80\x04(K\x02K\x01\x91.')))).toEqual({ $set: [1, 2] });
    expect((loadPickle(bytes('\x80\x04\x8f.')) as PySet).frozen).toBe(false);
    expect(refusal('\x80\x04(K\x01\x91(K\x02\x90.')).toEqual({ message: 'ADDITEMS on frozenset', offset: 9 });
  });

  it('POP drops the top (or the MARK when the frame is empty), POP_MARK drops to the MARK, DUP copies', () => {
    expect(read('\x80\x02K\x01K\x020.')).toBe(1);
    expect(read('\x80\x02K\x01(0.')).toBe(1);
    expect(read('\x80\x02K\x01(K\x02K\x031.')).toBe(1);
    expect(read('\x80\x02K\x072\x86.')).toEqual({ $tuple: [7, 7] });
    expect(refusal('\x80\x021.').message).toBe('could not find MARK');
    expect(refusal('\x80\x02\x85.')).toEqual({ message: 'unpickling stack underflow', offset: 2 });
  });

  it('STOP ends the pickle: nothing may follow it, and it must be there', () => {
    expect(refusal('\x80\x02N.N').message).toBe('1 bytes of trailing data after STOP');
    expect(refusal('\x80\x02N').message).toBe('truncated pickle: no STOP opcode');
  });
});
