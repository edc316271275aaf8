/** The input generator of shared/vectors and tinyforge's own vectors (importable: make-vectors.ts runs when imported). */
/** SplitMix64 byte stream, as in shared/vectors/README.md (little-endian 64-bit outputs). */
export function splitmix64Bytes(seed: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let state = seed & 0xffffffffffffffffn;
  for (let i = 0; i < n; i += 8) {
    state = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    z = z ^ (z >> 31n);
    for (let b = 0; b < 8 && i + b < n; b++) out[i + b] = Number((z >> BigInt(8 * b)) & 0xffn);
  }
  return out;
}
