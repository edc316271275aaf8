/** The reference interpreter's tensor storage (one ArrayBuffer per tensor, typed views). */
import type { Tensor } from '../core/graph.js';
import { DTYPE_BYTES, numElements } from '../core/graph.js';
import { unsupported } from '../core/errors.js';

/** One tensor's memory with the typed views kernels use (host little-endian, checked at load). */
export interface TensorStore {
  bytes: Uint8Array;
  i8: Int8Array;
  /** Present when the byte length is a multiple of 4. */
  i32: Int32Array;
  f32: Float32Array;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw unsupported('the reference interpreter needs a little-endian host', {
    remedy: 'Run tinyforge on x86-64 or ARM (little-endian) hardware.',
  });
}

export function allocStore(byteLength: number): TensorStore {
  const ab = new ArrayBuffer(byteLength);
  const words = byteLength >> 2;
  return {
    bytes: new Uint8Array(ab),
    i8: new Int8Array(ab),
    i32: new Int32Array(ab, 0, words),
    f32: new Float32Array(ab, 0, words),
  };
}

export function byteSize(t: Tensor): number {
  return numElements(t.shape) * DTYPE_BYTES[t.dtype];
}

