/**
 * A protocol-level stand-in for the device app (firmware/core/tf_app.c), in TypeScript, for tests
 * over FakeTransport and for demos without a board. It follows the same rules as tf_app.c: replies
 * carry the request's seq, events carry the device's own counter, corrupt frames are dropped,
 * SAMPLES_IN windows are quantised in float32 and PREDICTION is the first argmax, and INPUT_CHUNK
 * stages an input with the same staged-prefix rule (see tf_app.h; protocol v2). Streaming: raw IMU
 * samples go out as IMU_SAMPLES at the IMU's rate, and through the same resampler as tf_app.c
 * (ImuResampler) to the window at the model's rate; live detection only for aX,aY,aZ models
 * (else STREAM_START answers ERROR AXES_MISMATCH; protocol v3 INFO.liveDetection).
 */
import { ImuResampler } from './resample.js';
import { FrameDecoder, decodeMessage, encodeMessage } from '../../src/device/codec.js';
import type { FakePeer } from './fake-transport.js';
import { ERR, FIXED_BYTES, MAX_PAYLOAD, MSG, MSG_NAME, PROTOCOL_VERSION, type InfoMsg, type MessageMap, type MsgName } from '../../src/device/protocol.generated.js';

export interface FakeWindowing {
  windowLength: number;
  windowStride: number;
  numAxes: number;
  mean: number[];
  std: number[];
  inputScale: number;
  inputZeroPoint: number;
  /** Model sample rate (TF_MODEL_SAMPLE_RATE_HZ); default: the IMU's rate (no resampling). */
  sampleRateHz?: number;
  /** Model axis names (tf_model_axes); default aX,aY,aZ for 3 axes. */
  axes?: string[];
}

const IMU_AXES = ['aX', 'aY', 'aZ'];

export interface FakeDeviceOptions {
  /** Raw input bytes → raw output bytes. */
  engine: (input: Uint8Array) => Uint8Array;
  info: Partial<InfoMsg> & { inputBytes: number; outputBytes: number };
  windowing?: FakeWindowing;
  /** Synthetic IMU rate (Hz); 0/absent = no IMU. Samples as the host board's (see tf_board_host.c). */
  imuRateHz?: number;
  /** An anomaly block: the score of a window's int8 input, sent as an ANOMALY_SCORE event after its PREDICTION (tf_app.c). */
  anomaly?: (input: Uint8Array) => { distance: number; threshold: number; cluster: number; flagged: boolean };
  /** Called with each model-rate sample the resampler feeds to the window while streaming (tests). */
  onModelSample?: (values: number[], index: number) => void;
}

/** The host board's test engine (tests/device/test_engine.c) in TS. */
export function testEngineOutput(input: Uint8Array, outputBytes: number): Uint8Array {
  let acc = 0;
  for (let i = 0; i < input.length; i++) acc = (acc + (i + 1) * ((input[i] << 24) >> 24)) >>> 0;
  const out = new Uint8Array(outputBytes);
  for (let j = 0; j < outputBytes; j++) out[j] = (Math.imul(j + 1, acc) + 3 * j) & 0xff;
  return out;
}

/** float32 quantisation exactly as tf_app.c does it (roundf: half away from zero). */
export function quantiseSample(x: number, mean: number, std: number, scale: number, zeroPoint: number): number {
  const f = Math.fround;
  const t = f(f(f(x) - f(mean)) / f(std));
  const r = f(t / f(scale));
  const q = Math.sign(r) * Math.round(Math.abs(r)) + zeroPoint;
  return Math.max(-128, Math.min(127, q));
}

const f32 = Math.fround;

export class FakeDevice implements FakePeer {
  private send: ((b: Uint8Array) => void) | null = null;
  private dec = new FrameDecoder();
  private eventSeq = 0;
  private ring: number[][] = [];
  private sampleCount = 0;
  private windowCount = 0;
  /** INPUT_CHUNK staging: bytes [0, stagedLen) of `staged` are valid (tf_app.c's staged_input/staged_len). */
  private staged: Uint8Array;
  private stagedLen = 0;
  /** The last INFER's output when larger than one RESULT frame, for OUTPUT_READ (tf_app.c's held_output); null: none held. */
  private held: Uint8Array | null = null;
  private streamTimer: NodeJS.Timeout | null = null;
  /** Frames the device could not decode. */
  badFrames = 0;
  /** Requests seen, by name (tests assert retries). */
  readonly seen: MsgName[] = [];
  /** When set, the device ignores this many next requests (simulated loss of replies). */
  dropNext = 0;

  constructor(private readonly o: FakeDeviceOptions) {
    this.staged = new Uint8Array(o.info.inputBytes);
  }

  attach(send: (b: Uint8Array) => void): void {
    this.send = send;
  }
  detach(): void {
    this.send = null;
    this.stopStream();
  }

  private out<K extends MsgName>(name: K, seq: number, msg: MessageMap[K]): void {
    this.send?.(encodeMessage(name, seq, msg));
  }
  private error(seq: number, code: number, text: string): void {
    this.out('ERROR', seq, { code, text });
  }

  receive(bytes: Uint8Array): void {
    for (const ev of this.dec.push(bytes)) {
      if (ev.kind === 'error') {
        this.badFrames++;
        continue;
      }
      if (ev.version !== PROTOCOL_VERSION) {
        this.error(ev.seq, ERR.BAD_VERSION, 'protocol version mismatch');
        continue;
      }
      const m = decodeMessage(ev);
      if (m.name === null) {
        this.error(ev.seq, MSG_NAME[ev.type] ? ERR.BAD_FRAME : ERR.UNKNOWN_TYPE, m.reason);
        continue;
      }
      this.seen.push(m.name);
      if (this.dropNext > 0) {
        this.dropNext--;
        continue;
      }
      this.handle(m.name, m.seq, m.msg as never);
    }
  }

  private info(): InfoMsg {
    const w = this.o.windowing;
    return {
      protocolVersion: PROTOCOL_VERSION, counterKind: 0, numAxes: w?.numAxes ?? 3, numClasses: this.o.info.outputBytes,
      arenaUsed: 0, arenaCapacity: 0, flashUsed: 0, ramUsed: 0, windowLength: w?.windowLength ?? 0, windowStride: w?.windowStride ?? 0,
      imuRateHz: this.o.imuRateHz ?? 0, liveDetection: this.live() && (this.o.imuRateHz ?? 0) > 0 ? 1 : 0, outputScale: 1 / 256, outputZeroPoint: -128, engineStatus: 0, modelSha256: new Uint8Array(32),
      board: 'fake', engine: 'fake', ops: [], labels: [], ...this.o.info,
    };
  }

  /** tf_app.c's live_axes: windowing with exactly the IMU's axes. */
  private live(): boolean {
    const w = this.o.windowing;
    if (!w) return false;
    const axes = w.axes ?? (w.numAxes === 3 ? IMU_AXES : []);
    return axes.length === 3 && axes.every((a, i) => a === IMU_AXES[i]);
  }

  private handle(name: MsgName, seq: number, msg: MessageMap[MsgName]): void {
    switch (name) {
      case 'HELLO':
        return this.out('INFO', seq, this.info());
      case 'INPUT_CHUNK': {
        const { offset, bytes } = msg as MessageMap['INPUT_CHUNK'];
        const total = this.o.info.inputBytes;
        if (bytes.length === 0) return this.error(seq, ERR.BAD_FRAME, 'INPUT_CHUNK needs an offset and at least one byte');
        if (offset > total || bytes.length > total - offset) return this.error(seq, ERR.BAD_OFFSET, 'INPUT_CHUNK past the end of the input tensor');
        if (offset > this.stagedLen) return this.error(seq, ERR.BAD_OFFSET, 'INPUT_CHUNK leaves a gap: offset past the staged bytes');
        this.staged.set(bytes, offset);
        this.stagedLen = offset === 0 ? bytes.length : Math.max(this.stagedLen, offset + bytes.length);
        return this.out('ACK', seq, { ackedType: MSG.INPUT_CHUNK });
      }
      case 'INFER': {
        let input = (msg as MessageMap['INFER']).input;
        const staged = this.stagedLen;
        this.stagedLen = 0;
        this.held = null;
        if (input.length === 0) {
          if (staged !== this.o.info.inputBytes) return this.error(seq, ERR.NOT_STAGED, 'empty INFER but the input was not fully staged with INPUT_CHUNK since the last INFER');
          input = this.staged.slice(0, staged);
        }
        if (input.length !== this.o.info.inputBytes) return this.error(seq, ERR.BAD_SIZE, 'input length differs from the model input tensor');
        const output = this.o.engine(input);
        if (output.length > MAX_PAYLOAD - FIXED_BYTES.RESULT) {
          this.held = output;
          return this.out('RESULT', seq, { counterDelta: 0, micros: 1, output: output.subarray(0, MAX_PAYLOAD - FIXED_BYTES.RESULT) });
        }
        return this.out('RESULT', seq, { counterDelta: 0, micros: 1, output });
      }
      case 'OUTPUT_READ': {
        const { offset, length } = msg as MessageMap['OUTPUT_READ'];
        if (!this.held) return this.error(seq, ERR.NO_OUTPUT, 'no output held: OUTPUT_READ needs a successful INFER of a model whose output exceeds one RESULT frame');
        if (length === 0 || length > MAX_PAYLOAD - FIXED_BYTES.OUTPUT_DATA || offset > this.held.length || length > this.held.length - offset) {
          return this.error(seq, ERR.BAD_OFFSET, 'OUTPUT_READ past the end of the output tensor (or length 0 or over one frame)');
        }
        return this.out('OUTPUT_DATA', seq, { offset, bytes: this.held.slice(offset, offset + length) });
      }
      case 'SAMPLES_IN': {
        const w = this.o.windowing;
        if (!w) return this.error(seq, ERR.NO_WINDOWING, 'no windowing');
        const s = (msg as MessageMap['SAMPLES_IN']).samples;
        if (s.length % w.numAxes) return this.error(seq, ERR.AXES_MISMATCH, "SAMPLES_IN length is not a whole number of samples of the model's axes (INFO.numAxes float32 values each)");
        if (s.some((v) => !(Math.abs(v) <= 1e6))) return this.error(seq, ERR.BAD_SAMPLE, 'SAMPLES_IN holds a NaN, infinite or out-of-range value (|x| > 1e6): frame refused, the window is unchanged');
        for (let i = 0; i < s.length; i += w.numAxes) this.addSample(Array.from(s.subarray(i, i + w.numAxes)));
        return this.out('ACK', seq, { ackedType: MSG.SAMPLES_IN });
      }
      case 'STREAM_START': {
        const rate = this.o.imuRateHz ?? 0;
        if (rate <= 0) return this.error(seq, ERR.NO_IMU, 'this board has no IMU: send samples with SAMPLES_IN');
        if (this.o.windowing && !this.live()) return this.error(seq, ERR.AXES_MISMATCH, "the model's axes are not aX,aY,aZ: no live detection on this board's IMU (INFER and SAMPLES_IN still work)");
        const req = (msg as MessageMap['STREAM_START']).rateHz;
        this.out('ACK', seq, { ackedType: MSG.STREAM_START });
        this.startStream(rate, req > 0 && req < rate ? Math.floor(f32(f32(rate / req) + 0.5)) : 1);
        return;
      }
      case 'STREAM_STOP':
        this.stopStream();
        return this.out('ACK', seq, { ackedType: MSG.STREAM_STOP });
      case 'RESET':
        this.stopStream();
        this.ring = [];
        this.sampleCount = this.windowCount = this.stagedLen = 0;
        this.held = null;
        return this.out('ACK', seq, { ackedType: MSG.RESET });
      default:
        return this.error(seq, ERR.UNKNOWN_TYPE, 'unknown message type');
    }
  }

  private addSample(xyz: number[]): void {
    const w = this.o.windowing;
    if (!w) return;
    this.ring.push(xyz.map(Math.fround));
    if (this.ring.length > w.windowLength) this.ring.shift();
    this.sampleCount++;
    if (this.sampleCount < w.windowLength || (this.sampleCount - w.windowLength) % w.windowStride) return;
    const q = new Uint8Array(w.windowLength * w.numAxes);
    this.ring.forEach((s, t) => s.forEach((x, a) => (q[t * w.numAxes + a] = quantiseSample(x, w.mean[a], w.std[a], w.inputScale, w.inputZeroPoint) & 0xff)));
    const out = this.o.engine(q);
    const scores = new Int8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
    let best = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
    const window = this.windowCount++;
    this.out('PREDICTION', this.eventSeq++ & 0xffff, { window, lastSample: this.sampleCount - 1, micros: 1, classIndex: best, scores });
    const a = this.o.anomaly?.(q);
    if (a) this.out('ANOMALY_SCORE', this.eventSeq++ & 0xffff, { window, distance: a.distance, threshold: a.threshold, cluster: a.cluster, flagged: a.flagged ? 1 : 0 });
  }

  private startStream(rate: number, step: number): void {
    this.stopStream();
    let n = 0;
    let sent = 0;
    const batch = 5;
    const w = this.o.windowing;
    const rs = w && this.live() ? new ImuResampler(rate, w.sampleRateHz ?? rate) : null;
    this.streamTimer = setInterval(() => {
      const mg: number[] = [];
      for (let k = 0; k < batch; k++, n++) {
        const ph = (2 * Math.PI * (n % 50)) / 50;
        const xyz = [f32(0.5 * Math.sin(ph)), f32(0.5 * Math.cos(ph)), 1];
        for (const y of rs?.push(xyz) ?? []) {
          this.o.onModelSample?.(y, rs!.produced - 1);
          this.addSample(y);
        }
        if (n % step === 0) mg.push(...xyz.map((g) => Math.round(g * 1000)));
      }
      if (!mg.length) return;
      this.out('IMU_SAMPLES', this.eventSeq++ & 0xffff, { firstSample: sent, rateMilliHz: Math.floor(f32(f32(rate / step) * 1000) + 0.5), samplesMg: Int16Array.from(mg) });
      sent += mg.length / 3;
    }, (batch / rate) * 1000);
  }
  private stopStream(): void {
    if (this.streamTimer) clearInterval(this.streamTimer);
    this.streamTimer = null;
  }
}
