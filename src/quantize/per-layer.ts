/**
 * Per-layer quantisation diagnostics: where int8 loses accuracy. For every activation tensor of
 * the int8 graph that has a float counterpart — the graph input (the float window itself) and each
 * tensor named after a layer of the tfjs model (the quantiser names a layer's output tensor after
 * the layer, src/quantize/lower.ts) — the float activation (tfjs intermediate output) is compared
 * with the dequantised int8 tensor the host interpreter computed (Interpreter.readTensor), over
 * the given windows:
 *   SQNR (dB)      = 10·log10(Σ f² / Σ (f − q̂)²), null when the two are identical (no noise)
 *   max/mean error = max / mean of |f − q̂|, in the tensor's real units
 *   saturation     = fraction of float values outside what the int8 tensor can represent,
 *                    [scale·(−128 − zp) − scale/2, scale·(127 − zp) + scale/2] (they are clipped)
 * where q̂ = scale·(q − zero_point). Each int8 tensor is produced from the int8 tensors before it,
 * so its error includes everything upstream: the first layer whose SQNR drops is the one to look at.
 * Pure (no I/O); tfjs runs the float model.
 */
import * as tf from '@tensorflow/tfjs';
import type { Graph } from '../core/graph.js';
import { numElements } from '../core/graph.js';
import { badInput } from '../core/errors.js';
import { createInterpreter, quantizeInput } from '../interp/index.js';

export interface ErrorStats {
  /** Elements compared (windows × tensor elements). */
  count: number;
  sqnrDb: number | null;
  maxAbsError: number;
  meanAbsError: number;
  saturationRate: number;
}

/** Accumulates float vs dequantised int8 statistics for one tensor (per-tensor quantisation). */
export class ErrorAccumulator {
  private n = 0;
  private signal = 0;
  private noise = 0;
  private sumAbs = 0;
  private maxAbs = 0;
  private saturated = 0;
  private readonly lo: number;
  private readonly hi: number;

  constructor(readonly scale: number, readonly zeroPoint: number) {
    this.lo = scale * (-128 - zeroPoint) - scale / 2;
    this.hi = scale * (127 - zeroPoint) + scale / 2;
  }

  /** `float` real values; `q` the int8 values of the same elements. */
  add(float: ArrayLike<number>, q: ArrayLike<number>): void {
    if (float.length !== q.length) throw new RangeError(`float has ${float.length} values, int8 ${q.length}`);
    for (let i = 0; i < float.length; i++) {
      const f = float[i];
      const e = f - this.scale * (q[i] - this.zeroPoint);
      const a = Math.abs(e);
      this.signal += f * f;
      this.noise += e * e;
      this.sumAbs += a;
      if (a > this.maxAbs) this.maxAbs = a;
      if (f < this.lo || f > this.hi) this.saturated++;
    }
    this.n += float.length;
  }

  result(): ErrorStats {
    return {
      count: this.n,
      sqnrDb: this.noise === 0 ? null : 10 * Math.log10(this.signal / this.noise),
      maxAbsError: this.maxAbs,
      meanAbsError: this.n ? this.sumAbs / this.n : 0,
      saturationRate: this.n ? this.saturated / this.n : 0,
    };
  }
}

export interface TensorDiagnostics extends ErrorStats {
  tensor: number;
  name: string;
  /** The op that writes the tensor ('input' for the graph input). */
  op: string;
  shape: number[];
  scale: number;
  zeroPoint: number;
}

export interface PerLayerReport {
  windows: number;
  tensors: TensorDiagnostics[];
  /** Activation tensors with no float counterpart (internal reshapes, pre-activation values). */
  unmatched: string[];
}

/**
 * Diagnostics over `n` windows `x` ([n, ...input], already normalised as the model expects).
 * Throws bad-input when the model and graph do not fit together.
 */
export function perLayerDiagnostics(model: tf.LayersModel, graph: Graph, x: Float32Array, n: number, onProgress?: (windowsDone: number) => void): PerLayerReport {
  const inT = graph.inputs[0];
  const per = numElements(graph.tensors[inT].shape);
  if (n < 1 || x.length !== n * per) throw badInput(`${x.length} values do not make ${n} windows of the model's ${per}-value input`, { remedy: 'evaluate with windows shaped like the model input' });
  const producer = new Map<number, string>();
  graph.operators.forEach((op) => op.outputs.forEach((o) => producer.set(o, op.op)));
  const layers = new Map(model.layers.map((l) => [l.name, l]));
  const picked: { tensor: number; layer: tf.layers.Layer | null }[] = [];
  const unmatched: string[] = [];
  graph.tensors.forEach((t, i) => {
    if (t.data || t.dtype !== 'int8' || !t.quant || t.quant.scale.length !== 1) return;
    if (i === inT) return picked.push({ tensor: i, layer: null });
    if (!producer.has(i)) return;
    const l = layers.get(t.name);
    const outShape = l ? (l.outputShape as (number | null)[]) : null;
    if (l && outShape && !Array.isArray(outShape[0]) && numElements(outShape.slice(1) as number[]) === numElements(t.shape)) picked.push({ tensor: i, layer: l });
    else unmatched.push(t.name);
  });
  const withLayer = picked.filter((p) => p.layer);
  const probe = tf.model({ inputs: model.inputs, outputs: withLayer.map((p) => p.layer!.output as tf.SymbolicTensor) });
  const acc = picked.map((p) => new ErrorAccumulator(Math.fround(graph.tensors[p.tensor].quant!.scale[0]), graph.tensors[p.tensor].quant!.zeroPoint[0] ?? 0));
  const interp = createInterpreter(graph);
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const batch = 64;
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    const floats = tf.tidy(() => {
      const out = probe.predict(tf.tensor(x.subarray(s * per, (s + b) * per), [b, ...inShape]));
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
    for (let w = 0; w < b; w++) {
      const xi = x.subarray((s + w) * per, (s + w + 1) * per);
      interp.invoke([quantizeInput(graph, xi)]);
      let k = 0;
      picked.forEach((p, j) => {
        const raw = interp.readTensor(p.tensor);
        const q = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
        if (!p.layer) return acc[j].add(xi, q);
        const f = floats[k++];
        const m = q.length;
        acc[j].add(f.subarray(w * m, (w + 1) * m), q);
      });
    }
    onProgress?.(s + b);
  }
  return {
    windows: n,
    tensors: picked.map((p, j) => {
      const t = graph.tensors[p.tensor];
      return { tensor: p.tensor, name: t.name, op: p.layer ? producer.get(p.tensor)! : 'input', shape: t.shape.slice(), scale: acc[j].scale, zeroPoint: acc[j].zeroPoint, ...acc[j].result() };
    }),
    unmatched,
  };
}

/** The report as a text table (for `tinyforge eval --per-layer`). */
export function formatPerLayer(r: PerLayerReport): string {
  const rows = r.tensors.map((t) => [
    t.name, t.op, `[${t.shape.join(',')}]`, t.sqnrDb === null ? 'exact' : t.sqnrDb.toFixed(1), t.maxAbsError.toPrecision(3), t.meanAbsError.toPrecision(3), `${(100 * t.saturationRate).toFixed(2)} %`,
  ]);
  const head = ['tensor', 'op', 'shape', 'SQNR dB', 'max err', 'mean err', 'saturated'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i < 3 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  return [`per-layer quantisation error over ${r.windows} windows (float activation vs dequantised int8):`, line(head), ...rows.map(line), ...(r.unmatched.length ? [`no float counterpart: ${r.unmatched.join(', ')}`] : [])].join('\n');
}
