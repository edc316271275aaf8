/**
 * Convolution gradient kernels for tfjs's wasm backend, which ships Conv2D and DepthwiseConv2dNative
 * forward kernels but not all of their gradients (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput are missing in 4.22), so
 * Conv1D/Conv2D/DepthwiseConv2D/SeparableConv models cannot train there.
 *
 * Each gradient is expressed with ops the wasm backend does have (pad, strided slice, reshape,
 * concat, transpose, matMul, conv2d, depthwiseConv2d, reverse, sum), so the same functions also
 * run (and are tested against tfjs's native gradients) on the cpu backend.
 *
 * Contract (all tensors float32, NHWC, dilation 1 — tfjs's own gradient functions refuse dilation > 1):
 * - conv2dFilterGrad(x [N,H,W,C], dy [N,OH,OW,K]) → dW [FH,FW,C,K]
 * - conv2dInputGrad(dy [N,OH,OW,K], w [FH,FW,C,K]) → dx [N,H,W,C]
 * - depthwiseFilterGrad(x [N,H,W,C], dy [N,OH,OW,C·M]) → dW [FH,FW,C,M]
 * - depthwiseInputGrad(dy [N,OH,OW,C·M], w [FH,FW,C,M]) → dx [N,H,W,C]
 */
import * as tf from '@tensorflow/tfjs';
import { unsupported } from '../core/errors.js';

type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvGradGeometry {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

interface Geometry {
  sh: number;
  sw: number;
  top: number;
  left: number;
  outH: number;
  outW: number;
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

function geometry(xShape: Shape4, filterShape: Shape4, g: ConvGradGeometry, depthwise: boolean): Geometry {
  const [dh, dw] = pair(g.dilations);
  if (dh !== 1 || dw !== 1) {
    throw unsupported(`convolution gradients with dilation ${dh}×${dw} are not supported`, {
      remedy: 'Use dilation_rate 1 (tfjs does not train dilated convolutions on any backend).',
    });
  }
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, g.strides, 1, g.pad, g.dimRoundingMode, depthwise, 'channelsLast');
  return { sh: info.strideHeight, sw: info.strideWidth, top: info.padInfo.top, left: info.padInfo.left, outH: info.outHeight, outW: info.outWidth };
}

/**
 * Pads (or crops, for negative amounts) rows and columns of an NHWC tensor so the result has
 * exactly `h` × `w` spatial size starting `top`/`left` before the original origin.
 */
function padOrCrop(x: tf.Tensor4D, top: number, left: number, h: number, w: number): tf.Tensor4D {
  const [, H, W] = x.shape;
  const bottom = h - H - top;
  const right = w - W - left;
  let y = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(y, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
  }
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    y = tf.slice(y, [0, Math.max(-top, 0), Math.max(-left, 0), 0], [-1, h, w, -1]);
  }
  return y;
}

/**
 * im2col (used by the depthwise filter gradient): the receptive-field patches of x as [N·OH·OW, FH·FW·C], column order (fh, fw, c) —
 * the same order as a row-major [FH,FW,C,…] filter, so filter grads come out of one matMul.
 */
function patches(x: tf.Tensor4D, fh: number, fw: number, g: Geometry): tf.Tensor2D {
  const [n, , , c] = x.shape;
  const spanH = (g.outH - 1) * g.sh + fh;
  const spanW = (g.outW - 1) * g.sw + fw;
  const xp = padOrCrop(x, g.top, g.left, Math.max(spanH, 1), Math.max(spanW, 1));
  const cols: tf.Tensor4D[] = [];
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const end = [n, i + (g.outH - 1) * g.sh + 1, j + (g.outW - 1) * g.sw + 1, c];
      cols.push(tf.stridedSlice(xp, [0, i, j, 0], end, [1, g.sh, g.sw, 1]) as tf.Tensor4D);
    }
  }
  const stacked = cols.length === 1 ? cols[0] : tf.concat(cols, 3);
  return tf.reshape(stacked, [n * g.outH * g.outW, fh * fw * c]);
}

/**
 * Spreads dy over the strided grid (stride − 1 zeros between outputs) and pads it so that a
 * stride-1 'valid' correlation with the 180°-rotated filter yields exactly the input gradient:
 * dx[h] = Σ_i dy_dilated[h + top − i] · w[i].
 */
function dilateAndPadForInputGrad(dy: tf.Tensor4D, inH: number, inW: number, fh: number, fw: number, g: Geometry): tf.Tensor4D {
  const [n, oh, ow, k] = dy.shape;
  let d: tf.Tensor4D = dy;
  if (g.sh > 1 || g.sw > 1) {
    const spread = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, k]), [[0, 0], [0, 0], [0, g.sh - 1], [0, 0], [0, g.sw - 1], [0, 0]]);
    d = tf.reshape(spread, [n, oh * g.sh, ow * g.sw, k]);
    d = tf.slice(d, [0, 0, 0, 0], [-1, (oh - 1) * g.sh + 1, (ow - 1) * g.sw + 1, -1]);
  }
  return padOrCrop(d, fh - 1 - g.top, fw - 1 - g.left, inH + fh - 1, inW + fw - 1);
}

export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, geo: ConvGradGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw] = filterShape;
    const g = geometry(x.shape, filterShape, geo, false);
    // dW[i,j,c,k] = Σ_n,oh,ow xpad[n, oh·sh + i, ow·sw + j, c] · dy[n,oh,ow,k] is itself a
    // convolution: channels ↔ batch swapped, dy as the filter, the stride as its dilation.
    // One conv2d call (XNNPACK) measured ~3× faster than slicing patches + matMul.
    const xp = padOrCrop(x, g.top, g.left, (g.outH - 1) * g.sh + fh, (g.outW - 1) * g.sw + fw);
    const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [C, Hp, Wp, N]
    const d = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, N, K]
    const out = tf.conv2d(xt, d, 1, 'valid', 'NHWC', [g.sh, g.sw]); // [C, FH, FW, K]
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

export function conv2dInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, inputShape: Shape4, geo: ConvGradGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw] = w.shape;
    const g = geometry(inputShape, w.shape, geo, false);
    const d = dilateAndPadForInputGrad(dy, inputShape[1], inputShape[2], fh, fw, g);
    // Rotated filter with in/out channels swapped: [FH,FW,K,C].
    const wr = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(d, wr, 1, 'valid');
  });
}

export function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, geo: ConvGradGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw, c, m] = filterShape;
    const g = geometry(x.shape, filterShape, geo, true);
    const p = g.outH * g.outW * x.shape[0];
    // [P, FH·FW, C] → [C, FH·FW, P]; dy [P, C, M] → [C, P, M]; batched over channels.
    const cols = tf.transpose(tf.reshape(patches(x, fh, fw, g), [p, fh * fw, c]), [2, 1, 0]) as tf.Tensor3D;
    const d = tf.transpose(tf.reshape(dy, [p, c, m]), [1, 0, 2]) as tf.Tensor3D;
    const gw = tf.matMul(cols, d); // [C, FH·FW, M]
    return tf.reshape(tf.transpose(gw, [1, 0, 2]), [fh, fw, c, m]);
  });
}

export function depthwiseInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, inputShape: Shape4, geo: ConvGradGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw, c, m] = w.shape;
    const g = geometry(inputShape, w.shape, geo, true);
    const d = dilateAndPadForInputGrad(dy, inputShape[1], inputShape[2], fh, fw, g);
    // Each of the C·M dy channels correlates with its own rotated filter; the M results of one
    // input channel then sum.
    const wr = tf.reshape(tf.reverse(w, [0, 1]), [fh, fw, c * m, 1]) as tf.Tensor4D;
    const per = tf.depthwiseConv2d(d, wr, 1, 'valid');
    const [n, h, wd] = per.shape;
    return tf.sum(tf.reshape(per, [n, h, wd, c, m]), 4);
  });
}

type KernelArgs = { inputs: Record<string, unknown>; attrs?: Record<string, unknown> };

function geoFrom(attrs: Record<string, unknown>): ConvGradGeometry {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw unsupported(`convolution gradients in ${String(attrs.dataFormat)} layout are not supported on wasm`, {
      remedy: 'Use channels-last (NHWC) layers, the default.',
    });
  }
  return {
    strides: attrs.strides as ConvGradGeometry['strides'],
    pad: attrs.pad as Pad,
    dimRoundingMode: attrs.dimRoundingMode as ConvGradGeometry['dimRoundingMode'],
    dilations: attrs.dilations as ConvGradGeometry['dilations'],
  };
}

const KERNELS: { name: string; fn: (a: KernelArgs) => tf.Tensor }[] = [
  {
    name: 'Conv2DBackpropFilter',
    fn: ({ inputs, attrs = {} }) =>
      conv2dFilterGrad(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, attrs.filterShape as Shape4, geoFrom(attrs)),
  },
  {
    name: 'Conv2DBackpropInput',
    fn: ({ inputs, attrs = {} }) =>
      conv2dInputGrad(inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, attrs.inputShape as Shape4, geoFrom(attrs)),
  },
  {
    name: 'DepthwiseConv2dNativeBackpropFilter',
    fn: ({ inputs, attrs = {} }) =>
      depthwiseFilterGrad(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, attrs.filterShape as Shape4, geoFrom(attrs)),
  },
  {
    name: 'DepthwiseConv2dNativeBackpropInput',
    fn: ({ inputs, attrs = {} }) =>
      depthwiseInputGrad(inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, attrs.inputShape as Shape4, geoFrom(attrs)),
  },
];

/** Kernel names this module can provide. */
export const CONV_GRADIENT_KERNELS = KERNELS.map((k) => k.name);

/**
 * Native kernels replaced on wasm because the version here is faster: wasm's own
 * Conv2DBackpropInput is a plain loop; as a conv2d of the rotated filter it runs on XNNPACK
 * (measured ~3× faster on a Conv1D layer's shapes).
 */
const REPLACE_ON_WASM = new Set(['Conv2DBackpropInput']);
const ours = new Set<string>();

/**
 * Registers the gradient kernels `backendName` lacks (on wasm also the ones in REPLACE_ON_WASM).
 * Returns the names registered by this call. Idempotent. The kernels call tfjs ops, which tfjs
 * allows inside a kernel: nested kernels are not recorded on the gradient tape.
 */
export function registerConvGradients(backendName = 'wasm'): string[] {
  const added: string[] = [];
  for (const k of KERNELS) {
    const key = `${backendName}/${k.name}`;
    if (ours.has(key)) continue;
    if (tf.getKernel(k.name, backendName)) {
      if (!(backendName === 'wasm' && REPLACE_ON_WASM.has(k.name))) continue;
      tf.unregisterKernel(k.name, backendName);
    }
    tf.registerKernel({ kernelName: k.name, backendName, kernelFunc: k.fn as unknown as tf.KernelFunc });
    ours.add(key);
    added.push(k.name);
  }
  return added;
}
