/**
 * Keras layer classes tfjs lacks but Keras models use, registered with tfjs serialisation so such
 * model.json files load (and predict, for `eval`) and can be quantised:
 *
 * - SeparableConv1D: depthwise Conv1D (depth multiplier) then pointwise 1×1, bias, activation.
 *   Weights as Keras saves them: depthwise_kernel [k, in, mult], pointwise_kernel [1, in·mult,
 *   filters], bias [filters]. Input [batch, steps, channels] (channels last only).
 *
 * Importing this module registers the classes (idempotent).
 */
import * as tf from '@tensorflow/tfjs';

type Act = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax';

export interface SeparableConv1DArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'valid' | 'same';
  dilationRate?: number | number[];
  depthMultiplier?: number;
  activation?: string;
  useBias?: boolean;
  name?: string;
  inputShape?: number[];
  /** Seed for the default glorot-uniform initialisers (fresh models only; loading sets the weights). */
  seed?: number;
}

const first = (v: number | number[] | undefined, d: number) => (Array.isArray(v) ? v[0] : (v ?? d));

function applyActivation(x: tf.Tensor, a: string): tf.Tensor {
  switch (a as Act) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
    default:
      throw new Error(`SeparableConv1D: activation '${a}' is not implemented`);
  }
}

export class SeparableConv1D extends tf.layers.Layer {
  static className = 'SeparableConv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';
  readonly dilationRate: number;
  readonly depthMultiplier: number;
  readonly activation: string;
  readonly useBias: boolean;
  private readonly seed?: number;
  private dw?: tf.LayerVariable;
  private pw?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: SeparableConv1DArgs) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    this.filters = args.filters;
    this.kernelSize = first(args.kernelSize, 1);
    this.strides = first(args.strides, 1);
    this.padding = args.padding ?? 'valid';
    this.dilationRate = first(args.dilationRate, 1);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inC = s[s.length - 1] as number;
    const init = (k: number) => tf.initializers.glorotUniform(this.seed === undefined ? {} : { seed: this.seed + k });
    this.dw = this.addWeight('depthwise_kernel', [this.kernelSize, inC, this.depthMultiplier], 'float32', init(0));
    this.pw = this.addWeight('pointwise_kernel', [1, inC * this.depthMultiplier, this.filters], 'float32', init(1));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const steps = s[1];
    let out: number | null = null;
    if (steps !== null && steps !== undefined) {
      const eff = (this.kernelSize - 1) * this.dilationRate + 1;
      out = this.padding === 'same' ? Math.ceil(steps / this.strides) : Math.floor((steps - eff) / this.strides) + 1;
    }
    return [s[0], out, this.filters];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const inC = x.shape[2];
      const dw = (this.dw as tf.LayerVariable).read().reshape([1, this.kernelSize, inC, this.depthMultiplier]) as tf.Tensor4D;
      const pw = (this.pw as tf.LayerVariable).read().reshape([1, 1, inC * this.depthMultiplier, this.filters]) as tf.Tensor4D;
      let y: tf.Tensor = tf.separableConv2d(x.expandDims(1) as tf.Tensor4D, dw, pw, [1, this.strides], this.padding, [1, this.dilationRate], 'NHWC').squeeze([1]);
      if (this.bias) y = y.add(this.bias.read());
      return applyActivation(y, this.activation);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dilationRate: [this.dilationRate],
      depthMultiplier: this.depthMultiplier,
      activation: this.activation,
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(SeparableConv1D);
