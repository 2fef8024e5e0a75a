// Hand-assembled pickles for the VM's unit tests: opcode bytes as in CPython's pickle.py.

/** One pickle's bytes: strings as latin-1 (opcodes are single bytes), arrays and buffers as they are. */
export type PicklePart = string | number[] | Uint8Array;

export const bytes = (...parts: PicklePart[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** SHORT_BINUNICODE s */
export const sbu = (s: string): Buffer => bytes([0x8c, Buffer.byteLength(s)], Buffer.from(s));

/** A little-endian unsigned 32-bit argument. */
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** A little-endian unsigned 64-bit argument. */
export const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
