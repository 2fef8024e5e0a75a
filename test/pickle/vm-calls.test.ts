import { describe, expect, it } from 'vitest';
import { PickleError } from '../../ingest/pickle/index.ts';
import { PyBytes, PyCall, PyDict, PyGlobal, PyList, PySet, PyTuple } from '../../ingest/pickle/values.ts';
import { loadPickle, pickleProtocol } from '../../ingest/pickle/vm.ts';
import { bytes, type PicklePart, sbu } from './pickle-bytes.ts';

// The calls the VM evaluates itself (set, bytes, OrderedDict, _codecs.encode, the zoneinfo getattr), the
// checks on keys and containers, and the resource limits, on hand-assembled protocol-2 pickles.

const load = (...parts: PicklePart[]) => loadPickle(bytes('\x80\x02', ...parts));
const refusal = (parts: PicklePart[], limits = {}): string => {
  try {
    loadPickle(bytes('\x80\x02', ...parts), limits);
  } catch (e) {
    if (e instanceof PickleError) return e.message;
    throw e;
  }
  throw new Error('expected the pickle to be refused');
};
const call = (module: string, name: string, args: string) => [`c${module}\n${name}\n`, args, 'R.'];

describe('calls the VM evaluates', () => {
  it('set and frozenset of a list, a tuple or a set; empty without an argument', () => {
    const s = load(...call('builtins', 'set', '(K\x02K\x01K\x02l\x85'));
    expect(s).toBeInstanceOf(PySet);
    expect((s as PySet).frozen).toBe(false);
    expect([...(s as PySet).items.values()]).toEqual([2n, 1n]);
    const f = load(...call('__builtin__', 'frozenset', '(K\x01K\x02t\x85'));
    expect((f as PySet).frozen).toBe(true);
    expect([...(f as PySet).items.values()]).toEqual([1n, 2n]);
    const fromSet = load(...call('builtins', 'frozenset', '\x8f(K\x05\x90\x85'));
    expect([...(fromSet as PySet).items.values()]).toEqual([5n]);
    expect([...(load(...call('builtins', 'set', ')')) as PySet).items.values()]).toEqual([]);
    expect(refusal(call('builtins', 'set', 'K\x01\x85'))).toBe('expected a list or tuple, got int');
  });

  it('bytes and bytearray from ints 0–255, from bytes, or empty', () => {
    expect(load(...call('builtins', 'bytes', '(K\x00K\xffl\x85'))).toEqual(
      new PyBytes(Uint8Array.from([0, 255]), false),
    );
    expect(load(...call('builtins', 'bytearray', '(K\x01K\x02t\x85'))).toEqual(
      new PyBytes(Uint8Array.from([1, 2]), true),
    );
    expect(load(...call('builtins', 'bytearray', 'C\x02ab\x85'))).toEqual(
      new PyBytes(Buffer.from('ab'), true),
    );
    expect(load(...call('builtins', 'bytes', ')'))).toEqual(new PyBytes(new Uint8Array(0), false));
    expect(load(...call('builtins', 'bytearray', ')'))).toEqual(new PyBytes(new Uint8Array(0), true));
    expect(refusal(call('builtins', 'bytes', '(M\x00\x01l\x85'))).toBe(
      'builtins.bytes: items must be ints 0–255',
    );
    expect(refusal(call('builtins', 'bytes', '(J\xff\xff\xff\xffl\x85'))).toBe(
      'builtins.bytes: items must be ints 0–255',
    );
    expect(refusal(call('builtins', 'bytes', '(Nl\x85'))).toBe('builtins.bytes: items must be ints 0–255');
    expect(refusal(call('builtins', 'bytes', 'N\x85'))).toBe('builtins.bytes: unsupported argument None');
  });

  it('OrderedDict from (key, value) pairs, keeping order; anything else refused', () => {
    const d = load(...call('collections', 'OrderedDict', '(K\x02K\x03\x86(K\x01K\x04ll\x85'));
    expect(d).toBeInstanceOf(PyDict);
    expect((d as PyDict).ordered).toBe(true);
    expect([...(d as PyDict).entries.values()]).toEqual([
      { key: 2n, value: 3n },
      { key: 1n, value: 4n },
    ]);
    expect((load(...call('collections', 'OrderedDict', ')')) as PyDict).size).toBe(0);
    expect(refusal(call('collections', 'OrderedDict', 'K\x01\x85\x85\x85'))).toBe(
      'OrderedDict items must be pairs',
    );
    expect(refusal(call('collections', 'OrderedDict', 'K\x01K\x02K\x03\x87\x85\x85'))).toBe(
      'OrderedDict items must be pairs',
    );
  });

  it('_codecs.encode(str, "latin1" or "latin-1") gives the latin-1 bytes; nothing else', () => {
    const latin = (enc: string) => load('c_codecs\nencode\n', sbu('aé'), sbu(enc), '\x86R.');
    expect(latin('latin1')).toEqual(new PyBytes(Uint8Array.from([0x61, 0xe9]), false));
    expect(latin('latin-1')).toEqual(new PyBytes(Uint8Array.from([0x61, 0xe9]), false));
    expect(() => latin('utf-8')).toThrow('_codecs.encode is only allowed as encode(str, "latin1")');
    expect(() => load('c_codecs\nencode\n', 'K\x01', sbu('latin1'), '\x86R.')).toThrow(
      '_codecs.encode is only allowed',
    );
    expect(() => load('c_codecs\nencode\n', sbu('€'), sbu('latin1'), '\x86R.')).toThrow(
      '_codecs.encode: character outside latin-1',
    );
  });

  it('getattr only as getattr(zoneinfo.ZoneInfo, "_unpickle"), which may then be called', () => {
    const getattr = (attr: string) => ['cbuiltins\ngetattr\n', 'czoneinfo\nZoneInfo\n', sbu(attr), '\x86R'];
    const fn = load(...getattr('_unpickle'), '.');
    expect(fn).toEqual(new PyGlobal('zoneinfo.ZoneInfo._unpickle', 'zoneinfo.ZoneInfo._unpickle'));
    const zone = load(...getattr('_unpickle'), sbu('UTC'), 'K\x01\x86R.');
    expect(zone).toBeInstanceOf(PyCall);
    expect((zone as PyCall).args).toEqual(['UTC', 1n]);
    expect(refusal([...getattr('key'), '.'])).toMatch(/^builtins\.getattr is only allowed/);
    expect(refusal(['cbuiltins\ngetattr\n', 'czoneinfo\nZoneInfo\n', '\x85R.'])).toMatch(
      /^builtins\.getattr is only allowed/,
    );
    expect(refusal(['cbuiltins\ngetattr\n', 'cbuiltins\nset\n', sbu('_unpickle'), '\x86R.'])).toMatch(
      /^builtins\.getattr is only allowed/,
    );
  });

  it('REDUCE needs an allowlisted callable global and a tuple; NEWOBJ a class; BUILD a buildable call', () => {
    expect(refusal(['N)R.'])).toBe('REDUCE needs an allowlisted global, got None');
    expect(refusal(['cbuiltins\nset\n', 'NR.'])).toBe('REDUCE arguments must be a tuple, got None');
    expect(refusal(['czoneinfo\nZoneInfo\n', ')R.'])).toBe('global zoneinfo.ZoneInfo may not be called');
    expect(refusal(['N)\x81.'])).toBe('NEWOBJ needs an allowlisted class, got None');
    expect(refusal(['cbuiltins\nset\n', ')\x81.'])).toBe('global builtins.set may not be instantiated');
    expect(refusal(['cbuiltins\nset\n', 'N\x81.'])).toBe('NEWOBJ arguments must be a tuple');
    expect(refusal([']N', 'b.'])).toBe('BUILD on list is not allowed');
  });
});

describe('keys, containers and the stack', () => {
  it('refuses unhashable dict keys and set items: list, dict, set, bytearray; a frozenset is fine', () => {
    expect(refusal(['}]Ns.'])).toBe("unhashable type: 'list'");
    expect(refusal(['}}Ns.'])).toBe("unhashable type: 'dict'");
    expect(refusal(['}\x8fNs.'])).toBe("unhashable type: 'set'");
    expect(refusal(['}', 'cbuiltins\nbytearray\n)R', 'Ns.'])).toBe("unhashable type: 'bytearray'");
    const ok = load('}(\x91Ns.');
    expect(ok).toBeInstanceOf(PyDict);
    expect(refusal(['\x8f(]\x90.'])).toBe("unhashable type: 'list'");
  });

  it('SETITEMS takes pairs; APPEND(S) only lists; ADDITEMS only sets', () => {
    expect(refusal(['}(K\x01u.'])).toBe('SETITEMS needs key/value pairs');
    expect(refusal([']K\x01K\x02s.'])).toBe('SETITEM(S) on list: only dicts accept items');
    expect(refusal([')K\x01a.'])).toBe('APPEND(S) on tuple: only lists accept appends');
    expect(refusal(['}(K\x01\x90.'])).toBe('ADDITEMS on dict');
    expect(load(']K\x01a(K\x02e.')).toEqual(new PyList([1n, 2n]));
  });

  it('TUPLE2 and TUPLE3 keep order', () => {
    expect(load('K\x01K\x02\x86.')).toEqual(new PyTuple([1n, 2n]));
    expect(load('K\x01K\x02K\x03\x87.')).toEqual(new PyTuple([1n, 2n, 3n]));
  });
});

describe('limits', () => {
  it('stack, marks, memo, integer size and allocation', () => {
    expect(refusal(['NNN.'], { maxStack: 2 })).toBe('stack deeper than the limit of 2');
    expect(load('NN0.')).toBeNull();
    expect(refusal(['(((N.'], { maxMarks: 2 })).toBe('nesting deeper than the limit of 2 MARKs');
    expect(refusal(['\x8a\x03\x01\x02\x03.'], { maxIntBytes: 2 })).toBe(
      'LONG1 of 3 bytes exceeds the integer size limit',
    );
    expect(loadPickle(bytes('\x80\x02\x8a\x02\x01\x02.'), { maxIntBytes: 2 })).toBe(0x201n);
    expect(refusal(['\x8b\x03\x00\x00\x00\x01\x02\x03.'], { maxIntBytes: 2 })).toBe(
      'LONG4 of 3 bytes exceeds the integer size limit of 2',
    );
    expect(refusal(['I123\n.'], { maxIntBytes: 2 })).toBe('INT has more digits than the limit');
    expect(loadPickle(bytes('I12\n.'), { maxIntBytes: 2 })).toBe(12n);
    expect(refusal(['X\x05\x00\x00\x00abcde.'], { maxAllocation: 4 })).toBe(
      'pickle needs more than the allocation limit of 4 bytes',
    );
    expect(load('X\x05\x00\x00\x00abcde.')).toBe('abcde');
  });
});

describe('text and integer encodings', () => {
  it('UNICODE decodes raw-unicode-escape, \\u and \\U; an escape past U+10FFFF is refused', () => {
    expect(loadPickle(bytes('Va\\u00e9\\U0001F600\n.'))).toBe('aé😀');
    expect(loadPickle(bytes('V\\U0010ffff\n.'))).toBe('\u{10ffff}');
    expect(() => loadPickle(bytes('V\\U00110000\n.'))).toThrow('\\U escape out of range');
  });

  it('LONG1 is little-endian two’s complement; zero bytes is 0', () => {
    expect(load('\x8a\x00.')).toBe(0n);
    expect(load('\x8a\x01\x7f.')).toBe(127n);
    expect(load('\x8a\x01\x80.')).toBe(-128n);
    expect(load('\x8a\x02\x00\x80.')).toBe(-32768n);
    expect(load('\x8a\x02\xff\x00.')).toBe(255n);
  });

  it('SHORT_BINUNICODE must be valid UTF-8; non-ASCII decodes', () => {
    expect(load('\x8c\x02\xc3\xa9.')).toBe('é');
    expect(refusal(['\x8c\x02\xc3\x28.'])).toBe('string is not valid UTF-8');
  });

  it('pickleProtocol reads the PROTO byte, 0 without one', () => {
    expect(pickleProtocol(bytes('\x80\x04N.'))).toBe(4);
    expect(pickleProtocol(bytes('N.'))).toBe(0);
    expect(pickleProtocol(bytes('\x80'))).toBe(0);
  });
});
