/**
 * Turns a calibrated float graph into the int8 TFLite graph: int8 activations with calibrated /
 * inherited / fixed parameters, int8 symmetric weights (per channel for convolutions), int32
 * biases, int32 shape/axis constants, and optional float32 I/O through QUANTIZE / DEQUANTIZE.
 * Pure.
 */
import type { Graph, Operator, Quantization, Tensor, TfliteModel } from '../core/graph.js';
import { PROVENANCE } from '../core/version.js';
import type { FloatGraph } from './lower.js';
import type { Range } from './calibrate.js';
import { unsupported } from '../core/errors.js';
import { chooseActivationParams, minWeightScales, quantizeBias, quantizeWeightsSymmetric, type QuantParams } from './math.js';
import { OPS } from '../ops/registry.js';

export interface BuildOptions {
  inputType?: 'int8' | 'float32';
  outputType?: 'int8' | 'float32';
  perChannelDense?: boolean;
  /** Model description string; default "tinyforge <version>". */
  description?: string;
}

export interface LayerReport {
  name: string;
  /** Ops the layer became, e.g. "RESHAPE+CONV_2D". */
  op: string;
  weightScales?: number[];
  outputScale: number;
  outputZeroPoint: number;
  /** Calibrated float range of the layer's output (before widening to contain 0). */
  min: number;
  max: number;
}

export interface BuildResult {
  model: TfliteModel;
  inputQuant: QuantParams;
  outputQuant: QuantParams;
  layers: LayerReport[];
}

function le32(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setInt32(i * 4, v, true));
  return out;
}

const perTensor = (p: QuantParams, r?: Range): Quantization => ({
  scale: [p.scale],
  zeroPoint: [p.zeroPoint],
  quantizedDimension: 0,
  ...(r ? { min: [Math.min(r.min, 0)], max: [Math.max(r.max, 0)] } : {}),
});

/** Build the int8 model from a float graph and its calibration ranges. */
export function buildInt8(g: FloatGraph, ranges: readonly (Range | undefined)[], opts: BuildOptions = {}): BuildResult {
  // CONCATENATION's inputs and output must share parameters: union the root tensors (following
  // 'same' rules upward) of each concatenation into one group, quantised over the union of ranges.
  const rootOf = (i: number): number => {
    const r = g.tensors[i].rule;
    return r?.kind === 'same' ? rootOf(r.as) : i;
  };
  const parent = g.tensors.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (const op of g.operators) {
    if (op.op !== 'CONCATENATION') continue;
    const members = [...op.inputs, ...op.outputs].map(rootOf);
    for (const m of members) {
      const r = g.tensors[m].rule;
      if (r?.kind === 'fixed') {
        throw unsupported(`'${g.tensors[op.outputs[0]].name}' concatenates '${g.tensors[m].name}', whose int8 parameters are fixed by its op (softmax/sigmoid/tanh)`, {
          remedy: 'Concatenate before the softmax/sigmoid/tanh, or apply the activation after the Concatenate layer.',
        });
      }
      parent[find(m)] = find(members[0]);
    }
  }
  const grouped = new Set<number>();
  for (const op of g.operators) if (op.op === 'CONCATENATION') grouped.add(find(rootOf(op.outputs[0])));
  const groupRange = new Map<number, Range>();
  g.tensors.forEach((t, i) => {
    const r = ranges[i];
    if (t.kind !== 'activation' || !r) return;
    const k = find(rootOf(i));
    const have = groupRange.get(k);
    groupRange.set(k, have ? { min: Math.min(have.min, r.min), max: Math.max(have.max, r.max) } : { ...r });
  });

  const params: (QuantParams | undefined)[] = g.tensors.map(() => undefined);
  const paramsOf = (i: number): QuantParams => {
    const have = params[i];
    if (have) return have;
    const t = g.tensors[i];
    const rule = t.rule ?? { kind: 'calibrated' };
    let p: QuantParams;
    if (rule.kind === 'fixed') p = { scale: Math.fround(rule.scale), zeroPoint: rule.zeroPoint };
    else if (rule.kind === 'same') p = paramsOf(rule.as);
    else {
      const r = grouped.has(find(i)) ? groupRange.get(find(i)) : ranges[i];
      if (!r) throw new Error(`internal: tensor '${t.name}' was not calibrated`);
      p = chooseActivationParams(r.min, r.max);
    }
    params[i] = p;
    return p;
  };

  // Which op consumes each weight/bias, to pick per-channel axes and bias scales.
  const weightOp = new Map<number, 'per-channel' | 'per-tensor'>();
  const biasOf = new Map<number, { input: number; weight: number }>();
  const weightFloor = new Map<number, number[]>();
  for (const op of g.operators) {
    // The weighted ops and how they quantise their filter come from the op registry.
    const w = OPS[op.op].weights;
    if (w) {
      const [filter, b] = [op.inputs[w.filter], op.inputs[w.bias]];
      weightOp.set(filter, w.quantization);
      if (b !== undefined && b >= 0) {
        biasOf.set(b, { input: op.inputs[0], weight: filter });
        weightFloor.set(filter, minWeightScales(g.tensors[b].data as Float32Array, paramsOf(op.inputs[0]).scale));
      }
    }
  }

  const tensors: Tensor[] = [];
  const weightScales = new Map<number, number[]>();
  for (let i = 0; i < g.tensors.length; i++) {
    const t = g.tensors[i];
    if (t.kind === 'weight') {
      const axis = weightOp.get(i) === 'per-tensor' && !opts.perChannelDense ? undefined : t.channelAxis;
      const floor = weightFloor.get(i);
      const qw = quantizeWeightsSymmetric(t.data as Float32Array, t.shape, axis, floor && axis === undefined ? [Math.max(...floor)] : floor);
      weightScales.set(i, qw.scales);
      tensors.push({
        name: t.name,
        dtype: 'int8',
        shape: t.shape.slice(),
        data: new Uint8Array(qw.q.buffer, qw.q.byteOffset, qw.q.byteLength),
        quant: { scale: qw.scales, zeroPoint: qw.scales.map(() => 0), quantizedDimension: axis ?? 0 },
      });
    } else tensors.push({ name: t.name, dtype: 'int32', shape: t.shape.slice() }); // placeholder, filled below
  }
  for (let i = 0; i < g.tensors.length; i++) {
    const t = g.tensors[i];
    if (t.kind === 'weight') continue;
    if (t.kind === 'int32') tensors[i] = { name: t.name, dtype: 'int32', shape: t.shape.slice(), data: le32(t.ints as Int32Array) };
    else if (t.kind === 'bias') {
      const link = biasOf.get(i);
      if (!link) throw new Error(`internal: bias '${t.name}' has no consumer`);
      const qb = quantizeBias(t.data as Float32Array, paramsOf(link.input).scale, weightScales.get(link.weight) as number[]);
      tensors[i] = {
        name: t.name,
        dtype: 'int32',
        shape: t.shape.slice(),
        data: le32(qb.q),
        quant: { scale: qb.scales, zeroPoint: qb.scales.map(() => 0), quantizedDimension: 0 },
      };
    } else tensors[i] = { name: t.name, dtype: 'int8', shape: t.shape.slice(), quant: perTensor(paramsOf(i), ranges[i]) };
  }

  const operators: Operator[] = g.operators.map(({ layer: _layer, ...op }) => structuredClone(op) as Operator);
  let inputs = g.inputs.slice();
  let outputs = g.outputs.slice();
  const inputQuant = paramsOf(g.inputs[0]);
  const outputQuant = paramsOf(g.outputs[0]);

  if (opts.inputType === 'float32') {
    const i = g.inputs[0];
    const ft = tensors.length;
    tensors.push({ name: tensors[i].name, dtype: 'float32', shape: tensors[i].shape.slice() });
    tensors[i] = { ...tensors[i], name: `${tensors[i].name}/int8` };
    operators.unshift({ op: 'QUANTIZE', inputs: [ft], outputs: [i], options: {} });
    inputs = [ft];
  }
  if (opts.outputType === 'float32') {
    const o = g.outputs[0];
    const ft = tensors.length;
    tensors.push({ name: tensors[o].name, dtype: 'float32', shape: tensors[o].shape.slice() });
    tensors[o] = { ...tensors[o], name: `${tensors[o].name}/int8` };
    operators.push({ op: 'DEQUANTIZE', inputs: [o], outputs: [ft], options: {} });
    outputs = [ft];
  }

  const graph: Graph = { name: 'main', tensors, operators, inputs, outputs };
  const model: TfliteModel = { graph, version: 3, description: opts.description ?? PROVENANCE, metadata: [] };

  // Per-layer report: ops grouped by Keras layer in execution order; the layer's output is its last op's output.
  const layers: LayerReport[] = [];
  for (const op of g.operators) {
    let rep = layers[layers.length - 1];
    const out = op.outputs[0];
    const p = paramsOf(out);
    const r = ranges[out] ?? { min: NaN, max: NaN };
    if (!rep || rep.name !== op.layer) {
      rep = { name: op.layer, op: op.op, outputScale: p.scale, outputZeroPoint: p.zeroPoint, min: r.min, max: r.max };
      layers.push(rep);
    } else {
      rep.op += '+' + op.op;
      Object.assign(rep, { outputScale: p.scale, outputZeroPoint: p.zeroPoint, min: r.min, max: r.max });
    }
    const w = OPS[op.op].weights;
    if (w) rep.weightScales = [...(rep.weightScales ?? []), ...(weightScales.get(op.inputs[w.filter]) as number[])];
  }
  return { model, inputQuant, outputQuant, layers };
}
