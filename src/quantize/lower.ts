/**
 * Lowers a Keras model description (KerasSpec) to a float graph in TFLite form: TFLite operators,
 * TFLite weight layouts, batch 1, with Dropout removed, BatchNormalization folded into the
 * preceding convolution / dense layer, ReLU/ReLU6 fused, Conv1D and 1-D pooling run as their 2-D
 * forms on a [1, 1, T, C] view (RESHAPE in, RESHAPE out only where a consumer needs [1, T, C]).
 *
 * Each activation tensor carries the rule that fixes its int8 parameters (calibrated range, same as
 * its input, or fixed by the op). The float graph is then calibrated (calibrate.ts) and quantised
 * (build.ts). Pure: no tfjs here.
 */
import type { Activation, Operator, Padding } from '../core/graph.js';
import { numElements } from '../core/graph.js';
import { unsupported } from '../core/errors.js';
import { FIXED_OUTPUT_PARAMS } from './math.js';
import type { KerasLayerSpec, KerasSpec } from './keras.js';

export type QuantRule = { kind: 'calibrated' } | { kind: 'same'; as: number } | { kind: 'fixed'; scale: number; zeroPoint: number };

export interface FTensor {
  name: string;
  /** TFLite shape, batch 1. */
  shape: number[];
  kind: 'activation' | 'weight' | 'bias' | 'int32';
  /** Float values of a weight or bias, in TFLite layout. */
  data?: Float32Array;
  /** Values of an int32 constant (RESHAPE shape, MEAN axes). */
  ints?: Int32Array;
  /** Weights: the per-channel axis (output channels), used when quantised per channel. */
  channelAxis?: number;
  /** Activations: how the int8 parameters are chosen. */
  rule?: QuantRule;
  /** Keras layer this tensor came from. */
  layer: string;
}

/** A TFLite operator plus the Keras layer it implements. */
export type FOp = Operator & { layer: string };

export interface FloatGraph {
  name: string;
  tensors: FTensor[];
  operators: FOp[];
  inputs: number[];
  outputs: number[];
}

/** Keras layer classes `lowerKeras` understands (for error messages and docs). */
export const SUPPORTED_LAYERS = [
  'Dense', 'Conv1D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv1D', 'SeparableConv2D', 'MaxPooling1D', 'MaxPooling2D', 'AveragePooling1D',
  'AveragePooling2D', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'Flatten',
  'Reshape', 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'BatchNormalization (after a conv/dense)',
  'Activation', 'ReLU', 'Softmax', 'Add', 'Concatenate',
];
const IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);
const WEIGHTED = new Set(['Dense', 'Conv1D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv1D', 'SeparableConv2D']);

/** A Keras tensor: its Keras shape (batch 1) and the graph tensor(s) holding it. */
interface Val {
  kshape: number[];
  /** Tensor with the Keras shape. */
  plain?: number;
  /** Rank-3 values only: tensor with shape [1, 1, T, C] (for Conv1D / 1-D pooling as 2-D ops). */
  wide?: number;
}

function arr(v: unknown, n: number, what: string, layer: string): number[] {
  const a = Array.isArray(v) ? v.map(Number) : [Number(v ?? 1)];
  const out = a.length === 1 ? Array(n).fill(a[0]) : a;
  if (out.length !== n || out.some((x) => !Number.isInteger(x) || x < 1)) {
    throw unsupported(`layer '${layer}' has ${what} ${JSON.stringify(v)}`, { remedy: `Use positive integer ${what}.` });
  }
  return out;
}

function padding(l: KerasLayerSpec): Padding {
  const p = String(l.config.padding ?? 'valid');
  if (p === 'valid') return 'VALID';
  if (p === 'same') return 'SAME';
  throw unsupported(`layer '${l.name}' (${l.className}) uses padding '${p}'`, {
    remedy: "Use padding 'valid' or 'same' (for 'causal', pad the window yourself and use 'valid').",
  });
}

function checkChannelsLast(l: KerasLayerSpec): void {
  const f = l.config.dataFormat ?? l.config.data_format;
  if (f !== undefined && f !== null && f !== 'channelsLast' && f !== 'channels_last') {
    throw unsupported(`layer '${l.name}' uses data format '${String(f)}'`, { remedy: "Use dataFormat 'channelsLast' (TFLite is NHWC)." });
  }
}

type ActKind = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax';

function activationOf(l: KerasLayerSpec, raw: unknown): ActKind {
  const a = String(raw ?? 'linear');
  if (a === 'linear' || a === 'relu' || a === 'relu6' || a === 'sigmoid' || a === 'tanh' || a === 'softmax') return a;
  throw unsupported(`layer '${l.name}' uses activation '${a}'`, {
    remedy: "Use one of linear, relu, relu6, sigmoid, tanh or softmax (int8 TFLM has no kernel for this activation).",
  });
}

/** The activation a standalone layer applies, or null if it is not an activation layer. */
function standaloneActivation(l: KerasLayerSpec): ActKind | null {
  if (l.className === 'Activation') return activationOf(l, l.config.activation);
  if (l.className === 'Softmax') {
    const axis = l.config.axis;
    if (axis !== undefined && axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && axis[0] === -1)) {
      throw unsupported(`layer '${l.name}' is a Softmax over axis ${JSON.stringify(axis)}`, { remedy: 'Use a softmax over the last axis.' });
    }
    return 'softmax';
  }
  if (l.className === 'ReLU') {
    const mv = l.config.maxValue ?? l.config.max_value;
    if (mv === null || mv === undefined) return 'relu';
    if (Number(mv) === 6) return 'relu6';
    throw unsupported(`layer '${l.name}' is a ReLU capped at ${String(mv)}`, { remedy: 'Use ReLU without a cap or with maxValue 6.' });
  }
  return null;
}

const FUSED: Record<'linear' | 'relu' | 'relu6', Activation> = { linear: 'NONE', relu: 'RELU', relu6: 'RELU6' };

/** Lower a Keras model description to a float TFLite-form graph. Throws `unsupported` before producing anything. */
export function lowerKeras(spec: KerasSpec): FloatGraph {
  const tensors: FTensor[] = [];
  const operators: FOp[] = [];
  const vals = new Map<string, Val>();
  const usedNames = new Set<string>();
  const uniq = (name: string) => {
    let n = name;
    for (let i = 1; usedNames.has(n); i++) n = `${name}_${i}`;
    usedNames.add(n);
    return n;
  };
  const addT = (t: FTensor) => tensors.push({ ...t, name: uniq(t.name) }) - 1;
  const act = (name: string, shape: number[], layer: string, rule: QuantRule = { kind: 'calibrated' }) =>
    addT({ name, shape, kind: 'activation', rule, layer });
  const int32 = (name: string, values: number[], layer: string) =>
    addT({ name, shape: [values.length], kind: 'int32', ints: Int32Array.from(values), layer });

  const reshape = (input: number, shape: number[], name: string, layer: string): number => {
    const shapeT = int32(`${name}/shape`, shape, layer);
    const out = act(name, shape, layer, { kind: 'same', as: input });
    operators.push({ op: 'RESHAPE', inputs: [input, shapeT], outputs: [out], options: { newShape: shape.slice() }, layer });
    return out;
  };
  const plainOf = (v: Val, layer: string): number => {
    if (v.plain === undefined) v.plain = reshape(v.wide as number, v.kshape, `${tensors[v.wide as number].name}/squeeze`, layer);
    return v.plain;
  };
  const wideOf = (v: Val, layer: string): number => {
    if (v.kshape.length !== 3) throw new Error('internal: wide view of a non-rank-3 value');
    if (v.wide === undefined) v.wide = reshape(v.plain as number, [1, 1, v.kshape[1], v.kshape[2]], `${tensors[v.plain as number].name}/expand`, layer);
    return v.wide;
  };
  /** Any tensor holding the value (elementwise ops keep whichever form exists). */
  const anyOf = (v: Val): { t: number; wide: boolean } => (v.wide !== undefined ? { t: v.wide, wide: true } : { t: v.plain as number, wide: false });

  // --- input
  const inShape = spec.input.shape.slice(1);
  if (inShape.some((d) => d === null) || inShape.length === 0) {
    throw unsupported(`model input has shape [${spec.input.shape.map(String)}]; every dimension but the batch must be fixed`, {
      remedy: 'Give the Input layer a fixed shape (e.g. [windowLength, axes]).',
    });
  }
  const inputKShape = [1, ...(inShape as number[])];
  const inputT = act(spec.input.name || 'input', inputKShape, spec.input.name || 'input');
  vals.set(spec.input.id, { kshape: inputKShape, plain: inputT });

  if (spec.outputs.length !== 1) {
    throw unsupported(`model has ${spec.outputs.length} outputs; tinyforge quantises single-output models`, { remedy: 'Build a model with one output tensor.' });
  }

  // consumers of each Keras tensor
  const consumers = new Map<string, KerasLayerSpec[]>();
  for (const l of spec.layers) for (const id of l.inputs) consumers.set(id, [...(consumers.get(id) ?? []), l]);
  const isOutput = (id: string) => spec.outputs.includes(id);
  const absorbed = new Set<KerasLayerSpec>();

  const getVal = (l: KerasLayerSpec, i = 0): Val => {
    const v = vals.get(l.inputs[i]);
    if (!v) throw new Error(`internal: input ${l.inputs[i]} of layer '${l.name}' not yet computed`);
    return v;
  };
  const kshapeOf = (l: KerasLayerSpec, i = 0): number[] => {
    const s = l.outputShapes[i];
    if (s.slice(1).some((d) => d === null)) {
      throw unsupported(`layer '${l.name}' has a variable output shape [${s.map(String)}]`, { remedy: 'Give the model a fixed input shape.' });
    }
    return [1, ...(s.slice(1) as number[])];
  };

  /**
   * Follow the single-consumer chain after a layer, absorbing Dropout-like layers, one
   * BatchNormalization (foldable layers only, before any activation) and one ReLU/ReLU6 (if the
   * layer's own activation is linear). Returns the final Keras tensor id and what was absorbed.
   */
  const lookahead = (l: KerasLayerSpec, ownAct: ActKind, canFold: boolean) => {
    let out = l.outputs[0];
    let actK = ownAct;
    let bn: KerasLayerSpec | undefined;
    const taken: KerasLayerSpec[] = [];
    for (;;) {
      if (isOutput(out)) break;
      const cs = consumers.get(out) ?? [];
      if (cs.length !== 1) break;
      const c = cs[0];
      if (IDENTITY.has(c.className)) {
        taken.push(c);
        out = c.outputs[0];
        continue;
      }
      if (c.className === 'BatchNormalization' && canFold && !bn && actK === 'linear') {
        const axis = c.config.axis;
        const rank = c.inputShapes[0].length;
        if (axis === -1 || axis === rank - 1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === rank - 1))) {
          bn = c;
          taken.push(c);
          out = c.outputs[0];
          continue;
        }
        break;
      }
      const sa = standaloneActivation(c);
      if (sa && actK === 'linear' && (sa === 'relu' || sa === 'relu6' || sa === 'linear')) {
        actK = sa;
        taken.push(c);
        out = c.outputs[0];
        continue;
      }
      break;
    }
    for (const t of taken) absorbed.add(t);
    return { out, act: actK, bn, taken };
  };

  /** Emit the separate activation op (sigmoid/tanh/softmax) after `t` if needed; returns the final tensor. */
  const finishActivation = (t: number, a: ActKind, name: string, layer: string): number => {
    if (a === 'linear' || a === 'relu' || a === 'relu6') return t;
    const opName = a === 'sigmoid' ? 'LOGISTIC' : a === 'tanh' ? 'TANH' : 'SOFTMAX';
    const fixed = FIXED_OUTPUT_PARAMS[opName];
    const out = act(name, tensors[t].shape.slice(), layer, { kind: 'fixed', scale: fixed.scale, zeroPoint: fixed.zeroPoint });
    if (opName === 'SOFTMAX') operators.push({ op: 'SOFTMAX', inputs: [t], outputs: [out], options: { beta: 1 }, layer });
    else operators.push({ op: opName, inputs: [t], outputs: [out], options: {}, layer });
    return out;
  };

  for (const l of spec.layers) {
    if (absorbed.has(l)) continue;
    const cls = l.className;
    if (cls !== 'Add' && cls !== 'Concatenate' && l.inputs.length !== 1) {
      throw unsupported(`layer '${l.name}' (${cls}) has ${l.inputs.length} inputs`, { remedy: 'Only Add and Concatenate layers may join branches.' });
    }

    if (WEIGHTED.has(cls)) {
      checkChannelsLast(l);
      const own = activationOf(l, l.config.activation);
      const la = lookahead(l, own, true);
      const fusedKind = la.act === 'relu' || la.act === 'relu6' ? la.act : 'linear';
      const fused = FUSED[fusedKind];
      const sepAct = la.act !== fusedKind;
      const outName = sepAct ? `${l.name}/linear` : l.name;
      const kshape = kshapeOf(l);
      const v = getVal(l);
      const useBias = l.config.useBias !== false;
      const bias = (n: number) => (useBias && l.weights.bias ? Float32Array.from(l.weights.bias.data) : new Float32Array(n));
      let result: Val;
      let lastT: number;

      if (cls === 'Dense') {
        if (v.kshape.length !== 2) {
          throw unsupported(`Dense layer '${l.name}' gets a rank-${v.kshape.length} input [${v.kshape}]`, {
            remedy: 'Insert a Flatten (or GlobalAveragePooling) layer before the Dense layer.',
          });
        }
        const k = l.weights.kernel;
        const [nin, nout] = k.shape;
        const w = new Float32Array(nin * nout);
        for (let i = 0; i < nin; i++) for (let o = 0; o < nout; o++) w[o * nin + i] = k.data[i * nout + o];
        const b = bias(nout);
        if (la.bn) foldBatchNorm(la.bn, w, b, nout, (i) => Math.floor(i / nin));
        const wT = addT({ name: `${l.name}/kernel`, shape: [nout, nin], kind: 'weight', data: w, channelAxis: 0, layer: l.name });
        const bT = addT({ name: `${l.name}/bias`, shape: [nout], kind: 'bias', data: b, layer: l.name });
        lastT = act(outName, [1, nout], l.name);
        operators.push({ op: 'FULLY_CONNECTED', inputs: [plainOf(v, l.name), wT, bT], outputs: [lastT], options: { fusedActivation: fused, keepNumDims: false }, layer: l.name });
        result = { kshape: kshape, plain: lastT };
      } else {
        const is1d = cls === 'Conv1D' || cls === 'SeparableConv1D';
        const nd = is1d ? 1 : 2;
        const ks = arr(l.config.kernelSize, nd, 'kernelSize', l.name);
        const st = arr(l.config.strides, nd, 'strides', l.name);
        const dl = arr(l.config.dilationRate, nd, 'dilationRate', l.name);
        const [kh, kw] = is1d ? [1, ks[0]] : ks;
        const [sh, sw] = is1d ? [1, st[0]] : st;
        const [dh, dw] = is1d ? [1, dl[0]] : dl;
        const pad = padding(l);
        const inT = is1d ? wideOf(v, l.name) : plainOf(v, l.name);
        const inC = tensors[inT].shape[3];
        const outShape4 = is1d ? [1, 1, kshape[1], kshape[2]] : kshape;
        if (outShape4.length !== 4) throw new Error(`internal: ${cls} output rank`);
        const convOpts = { padding: pad, strideW: sw, strideH: sh, dilationW: dw, dilationH: dh };

        if (cls === 'Conv1D' || cls === 'Conv2D') {
          const k = l.weights.kernel; // [kh?, kw, in, out]
          const nout = k.shape[k.shape.length - 1];
          const w = new Float32Array(nout * kh * kw * inC);
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++)
              for (let i = 0; i < inC; i++)
                for (let o = 0; o < nout; o++) w[((o * kh + y) * kw + x) * inC + i] = k.data[((y * kw + x) * inC + i) * nout + o];
          const b = bias(nout);
          const per = kh * kw * inC;
          if (la.bn) foldBatchNorm(la.bn, w, b, nout, (i) => Math.floor(i / per));
          const wT = addT({ name: `${l.name}/kernel`, shape: [nout, kh, kw, inC], kind: 'weight', data: w, channelAxis: 0, layer: l.name });
          const bT = addT({ name: `${l.name}/bias`, shape: [nout], kind: 'bias', data: b, layer: l.name });
          lastT = act(outName, outShape4, l.name);
          operators.push({ op: 'CONV_2D', inputs: [inT, wT, bT], outputs: [lastT], options: { ...convOpts, fusedActivation: fused }, layer: l.name });
        } else {
          // DepthwiseConv2D, or the depthwise half of SeparableConv1D/2D.
          const k = l.weights.depthwise_kernel; // [kh, kw, in, mult] (1-D: [k, in, mult])
          const mult = k.shape[k.shape.length - 1];
          const nch = inC * mult;
          const w = Float32Array.from(k.data); // flattens to TFLite [1, kh, kw, in*mult] unchanged
          const sep = cls === 'SeparableConv1D' || cls === 'SeparableConv2D';
          const dwOutName = sep ? `${l.name}/depthwise` : outName;
          const dwShape = sep ? [1, outShape4[1], outShape4[2], nch] : outShape4;
          const b = sep ? new Float32Array(nch) : bias(nch);
          if (la.bn && !sep) foldBatchNorm(la.bn, w, b, nch, (i) => i % nch);
          const wT = addT({ name: `${l.name}/depthwise_kernel`, shape: [1, kh, kw, nch], kind: 'weight', data: w, channelAxis: 3, layer: l.name });
          const bT = addT({ name: `${l.name}/depthwise_bias`, shape: [nch], kind: 'bias', data: b, layer: l.name });
          const dwOut = act(dwOutName, dwShape, l.name);
          operators.push({
            op: 'DEPTHWISE_CONV_2D',
            inputs: [inT, wT, bT],
            outputs: [dwOut],
            options: { ...convOpts, depthMultiplier: mult, fusedActivation: sep ? 'NONE' : fused },
            layer: l.name,
          });
          lastT = dwOut;
          if (sep) {
            const pk = l.weights.pointwise_kernel; // [1, 1, nch, out] (1-D: [1, nch, out])
            const nout = pk.shape[pk.shape.length - 1];
            const pw = new Float32Array(nout * nch);
            for (let i = 0; i < nch; i++) for (let o = 0; o < nout; o++) pw[o * nch + i] = pk.data[i * nout + o];
            const pb = bias(nout);
            if (la.bn) foldBatchNorm(la.bn, pw, pb, nout, (i) => Math.floor(i / nch));
            const pwT = addT({ name: `${l.name}/pointwise_kernel`, shape: [nout, 1, 1, nch], kind: 'weight', data: pw, channelAxis: 0, layer: l.name });
            const pbT = addT({ name: `${l.name}/bias`, shape: [nout], kind: 'bias', data: pb, layer: l.name });
            lastT = act(outName, outShape4, l.name);
            operators.push({
              op: 'CONV_2D',
              inputs: [dwOut, pwT, pbT],
              outputs: [lastT],
              options: { padding: 'VALID', strideW: 1, strideH: 1, dilationW: 1, dilationH: 1, fusedActivation: fused },
              layer: l.name,
            });
          }
        }
        result = is1d ? { kshape, wide: lastT } : { kshape, plain: lastT };
      }
      if (sepAct) {
        const { t, wide } = anyOf(result);
        const fin = finishActivation(t, la.act, l.name, l.name);
        result = wide ? { kshape, wide: fin } : { kshape, plain: fin };
      }
      vals.set(l.outputs[0], result);
      for (const t of la.taken) vals.set(t.outputs[0], result);
      continue;
    }

    const v = getVal(l);
    const kshape = kshapeOf(l);

    if (IDENTITY.has(cls)) {
      vals.set(l.outputs[0], v);
      continue;
    }

    const sa = standaloneActivation(l);
    if (sa !== null) {
      if (sa === 'linear') {
        vals.set(l.outputs[0], v);
        continue;
      }
      const { t, wide } = anyOf(v);
      let out: number;
      if (sa === 'relu' || sa === 'relu6') {
        out = act(l.name, tensors[t].shape.slice(), l.name);
        operators.push({ op: sa === 'relu' ? 'RELU' : 'RELU6', inputs: [t], outputs: [out], options: {}, layer: l.name });
      } else out = finishActivation(t, sa, l.name, l.name);
      vals.set(l.outputs[0], wide ? { kshape, wide: out } : { kshape, plain: out });
      continue;
    }

    switch (cls) {
      case 'MaxPooling1D':
      case 'AveragePooling1D':
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        checkChannelsLast(l);
        const is1d = cls.endsWith('1D');
        const nd = is1d ? 1 : 2;
        const ps = arr(l.config.poolSize, nd, 'poolSize', l.name);
        const st = arr(l.config.strides ?? l.config.poolSize, nd, 'strides', l.name);
        const inT = is1d ? wideOf(v, l.name) : plainOf(v, l.name);
        const outShape = is1d ? [1, 1, kshape[1], kshape[2]] : kshape;
        const out = act(l.name, outShape, l.name, { kind: 'same', as: inT });
        operators.push({
          op: cls.startsWith('Max') ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D',
          inputs: [inT],
          outputs: [out],
          options: {
            padding: padding(l),
            filterH: is1d ? 1 : ps[0],
            filterW: is1d ? ps[0] : ps[1],
            strideH: is1d ? 1 : st[0],
            strideW: is1d ? st[0] : st[1],
            fusedActivation: 'NONE',
          },
          layer: l.name,
        });
        vals.set(l.outputs[0], is1d ? { kshape, wide: out } : { kshape, plain: out });
        break;
      }
      case 'GlobalAveragePooling1D':
      case 'GlobalAveragePooling2D': {
        checkChannelsLast(l);
        if (l.config.keepdims === true || l.config.keepDims === true) {
          throw unsupported(`layer '${l.name}' keeps dims`, { remedy: 'Use keepdims false.' });
        }
        let inT: number;
        let axes: number[];
        if (cls === 'GlobalAveragePooling1D' && v.plain !== undefined) {
          inT = v.plain;
          axes = [1];
        } else {
          inT = cls === 'GlobalAveragePooling1D' ? wideOf(v, l.name) : plainOf(v, l.name);
          axes = [1, 2];
        }
        const axesT = int32(`${l.name}/axes`, axes, l.name);
        // MEAN's output gets its own calibrated range, as the converter does (magic_wand in the
        // shared vectors: input 0.0508/-128, output 0.00932/-128); TFLM's MEAN requantises.
        const out = act(l.name, kshape, l.name);
        operators.push({ op: 'MEAN', inputs: [inT, axesT], outputs: [out], options: { keepDims: false }, layer: l.name });
        vals.set(l.outputs[0], { kshape, plain: out });
        break;
      }
      case 'GlobalMaxPooling1D':
      case 'GlobalMaxPooling2D': {
        checkChannelsLast(l);
        const inT = cls === 'GlobalMaxPooling1D' ? wideOf(v, l.name) : plainOf(v, l.name);
        const [, h, w, c] = tensors[inT].shape;
        const pooled = act(`${l.name}/pool`, [1, 1, 1, c], l.name, { kind: 'same', as: inT });
        operators.push({
          op: 'MAX_POOL_2D',
          inputs: [inT],
          outputs: [pooled],
          options: { padding: 'VALID', filterH: h, filterW: w, strideH: 1, strideW: 1, fusedActivation: 'NONE' },
          layer: l.name,
        });
        vals.set(l.outputs[0], { kshape, plain: reshape(pooled, kshape, l.name, l.name) });
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        if (numElements(kshape) !== numElements(v.kshape)) throw new Error(`internal: ${cls} '${l.name}' changes the element count`);
        const { t } = anyOf(v); // [1,1,T,C] and [1,T,C] share one row-major order
        vals.set(l.outputs[0], { kshape, plain: reshape(t, kshape, l.name, l.name) });
        break;
      }
      case 'Add': {
        const ins = l.inputs.map((_, i) => getVal(l, i));
        if (ins.length < 2 || ins.some((x) => x.kshape.join() !== kshape.join())) {
          throw unsupported(`Add layer '${l.name}' joins tensors of shapes ${ins.map((x) => `[${x.kshape.slice(1)}]`).join(', ')}`, {
            remedy: 'Add only tensors of the same shape (no broadcasting).',
          });
        }
        const la = lookahead(l, 'linear', false);
        const fused = FUSED[la.act as 'linear' | 'relu' | 'relu6'];
        const allWide = kshape.length === 3 && ins.every((x) => x.wide !== undefined);
        const ts = ins.map((x) => (allWide ? (x.wide as number) : plainOf(x, l.name)));
        let acc = ts[0];
        for (let i = 1; i < ts.length; i++) {
          const last = i === ts.length - 1;
          const out = act(last ? l.name : `${l.name}/partial_${i}`, tensors[ts[0]].shape.slice(), l.name);
          operators.push({ op: 'ADD', inputs: [acc, ts[i]], outputs: [out], options: { fusedActivation: last ? fused : 'NONE' }, layer: l.name });
          acc = out;
        }
        const result: Val = allWide ? { kshape, wide: acc } : { kshape, plain: acc };
        vals.set(l.outputs[0], result);
        for (const t of la.taken) vals.set(t.outputs[0], result);
        break;
      }
      case 'Concatenate': {
        const ins = l.inputs.map((_, i) => getVal(l, i));
        const rank = kshape.length;
        const rawAxis = Number(l.config.axis ?? -1);
        const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
        if (ins.length < 2 || axis < 1 || axis >= rank || ins.some((x) => x.kshape.length !== rank)) {
          throw unsupported(`Concatenate layer '${l.name}' joins shapes ${ins.map((x) => `[${x.kshape.slice(1)}]`).join(', ')} on axis ${rawAxis}`, {
            remedy: 'Concatenate tensors of one rank along a non-batch axis.',
          });
        }
        // Inputs and output share one set of int8 parameters (TFLite int8 spec; TFLM requires it):
        // build.ts groups them and quantises the group over the union of their ranges.
        const allWide = rank === 3 && ins.every((x) => x.wide !== undefined);
        const ts = ins.map((x) => (allWide ? (x.wide as number) : plainOf(x, l.name)));
        const outShape = allWide ? [1, 1, kshape[1], kshape[2]] : kshape;
        const out = act(l.name, outShape, l.name);
        operators.push({ op: 'CONCATENATION', inputs: ts, outputs: [out], options: { axis: allWide ? axis + 1 : axis, fusedActivation: 'NONE' }, layer: l.name });
        vals.set(l.outputs[0], allWide ? { kshape, wide: out } : { kshape, plain: out });
        break;
      }
      case 'BatchNormalization':
        throw unsupported(`BatchNormalization layer '${l.name}' does not directly follow a Conv/Dense layer with a linear activation, so it cannot be folded`, {
          remedy: "Place BatchNormalization right after a Conv1D/Conv2D/DepthwiseConv2D/Dense layer whose activation is 'linear', and put the activation after it.",
        });
      default:
        throw unsupported(`layer '${l.name}' is a ${cls}, which tinyforge cannot quantise`, {
          remedy: `Rebuild the model with supported layers: ${SUPPORTED_LAYERS.join(', ')}.`,
          details: { layer: l.name, className: cls },
        });
    }
    continue;
  }

  const outVal = vals.get(spec.outputs[0]);
  if (!outVal) throw new Error('internal: model output not computed');
  const outT = plainOf(outVal, tensors[anyOf(outVal).t].layer);
  return { name: spec.name, tensors, operators, inputs: [inputT], outputs: [outT] };
}

/**
 * Fold y = gamma (x - mean) / sqrt(var + eps) + beta into weights `w` and bias `b` in place.
 * `channelOf(i)` maps a weight index to its output channel.
 */
function foldBatchNorm(bn: KerasLayerSpec, w: Float32Array, b: Float32Array, channels: number, channelOf: (i: number) => number): void {
  const eps = Number(bn.config.epsilon ?? 1e-3);
  const g = bn.weights.gamma?.data;
  const be = bn.weights.beta?.data;
  const mean = bn.weights.moving_mean.data;
  const variance = bn.weights.moving_variance.data;
  if (mean.length !== channels) throw unsupported(`BatchNormalization '${bn.name}' has ${mean.length} channels, expected ${channels}`, { remedy: 'Normalise over the last (channel) axis.' });
  const f = new Float64Array(channels);
  for (let c = 0; c < channels; c++) f[c] = (g ? g[c] : 1) / Math.sqrt(variance[c] + eps);
  for (let i = 0; i < w.length; i++) w[i] = w[i] * f[channelOf(i)];
  for (let c = 0; c < channels; c++) b[c] = (b[c] - mean[c]) * f[c] + (be ? be[c] : 0);
}
