/**
 * DeviceClient: request/response over a Transport with the device protocol.
 *
 * One request is in flight at a time. Each attempt gets a fresh sequence number, so a late reply
 * to an earlier attempt is recognised as stale and dropped. Timeouts come from what the link has
 * shown (LinkTiming: the measured bytes/s of HELLO/INFO and every later exchange, and the measured
 * inference time), not a fixed figure; on a timeout the client pauses (exponential backoff),
 * flushes its input, resynchronises (the frame's leading 0x00 resets the device's decoder) and
 * retries with a longer timeout, within a total time budget per request. ERROR replies are not
 * retried: they are answers. Device-initiated events (PREDICTION, IMU_SAMPLES, LOG) go to listeners;
 * LOG text is also kept (the last LOG_KEEP lines) in `logs`.
 *
 * Noisy links: a lost input frame makes later inputs go as smaller INPUT_CHUNKs (halved per loss,
 * down to MIN_INPUT_CHUNK_BYTES; back up after a run of clean exchanges), since a short frame is
 * less likely to be hit and cheaper to re-send. CRC-32 on every frame means a corrupted reply is
 * dropped, never taken as an answer.
 *
 * Inputs larger than one frame (protocol v2): infer() stages them with INPUT_CHUNK {offset, bytes}
 * (each chunk ACKed, retried like any request; re-sending a chunk is idempotent on the device) and
 * then sends an INFER with an empty payload, which runs on the staged input. The device clears the
 * staging at every INFER, so when the empty INFER gets no reply the whole input is staged again
 * before the next INFER (a retry round). The whole sequence holds the request chain, so no other
 * request from this client interleaves with it. Outputs larger than one RESULT frame: RESULT carries
 * the first MAX_OUTPUT_BYTES and the rest is read with OUTPUT_READ {offset, length} → OUTPUT_DATA
 * (idempotent on the device, so retried like any request), inside the same request chain.
 */
import { TinyforgeError, deviceError, unsupported } from '../core/errors.js';
import { FrameDecoder, decodeMessage, encodeMessage, type DecodedMessage } from './codec.js';
import { ERR_NAME, FIXED_BYTES, MAX_PAYLOAD, MSG, type ImuSamplesMsg, type InfoMsg, type LogMsg, type MessageMap, type OutputDataMsg, type MsgName, type PredictionMsg, type ResultMsg, type FeatureVectorMsg, type AnomalyScoreMsg } from './protocol.generated.js';
import { LinkTiming } from './link-timing.js';
import { Listeners, type Transport } from './transport.js';

export interface ClientOptions {
  /** Fixed part of every timeout (OS and scheduling latency); the rest is measured, ms. Default 250. */
  baseTimeoutMs?: number;
  /** Extra attempts per request after a timeout. Default 6. */
  retries?: number;
  /** Total time one request may take over all its attempts and pauses, ms. Default 60000. */
  requestBudgetMs?: number;
  /** Nominal link throughput before it is measured, bytes/s. Default: the transport's, else 8000 (QEMU's UART). */
  bytesPerSecond?: number;
  /** Total time hello() keeps trying (boards reset on open; QEMU's first exchange takes ~1 s). Default 10000. */
  handshakeMs?: number;
  /** Inference allowance until the first INFER has been timed (slow models on slow boards), ms. Default 2000. */
  inferenceMs?: number;
  /** Wait per HELLO attempt during the handshake, ms. Default 1500. */
  helloAttemptMs?: number;
}

export interface ClientStats {
  badFrames: number;
  staleReplies: number;
  timeouts: number;
  retries: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface InferResult {
  output: Uint8Array;
  counterDelta: number;
  micros: number;
}

/** Largest input sent whole in one INFER; larger ones go as INPUT_CHUNKs of at most INPUT_CHUNK_BYTES. */
export const MAX_SINGLE_INFER_BYTES = MAX_PAYLOAD - FIXED_BYTES.INFER;
export const INPUT_CHUNK_BYTES = MAX_PAYLOAD - FIXED_BYTES.INPUT_CHUNK;
/** LOG lines DeviceClient.logs keeps (the most recent). */
export const LOG_KEEP = 200;

/** Largest output a RESULT frame carries (larger outputs: the rest by OUTPUT_READ). */
export const MAX_OUTPUT_BYTES = MAX_PAYLOAD - FIXED_BYTES.RESULT;
/** ANOMALY_SCORE.window of a reply to ANOMALY_READ (events carry their PREDICTION's window). */
export const INFER_WINDOW = 0xffffffff;
/** Largest OUTPUT_READ. */
export const OUTPUT_READ_BYTES = MAX_PAYLOAD - FIXED_BYTES.OUTPUT_DATA;
/** Smallest INPUT_CHUNK the client shrinks to on a noisy link. */
export const MIN_INPUT_CHUNK_BYTES = 64;
/** Clean input exchanges after which the chunk size doubles back. */
const CLEAN_RUN_TO_GROW = 16;

interface RequestOptions {
  replyBytes?: number;
  /** The reply waits for an inference (its time is measured separately from the transfer). */
  inference?: boolean;
  retries?: number;
  firstTimeoutMs?: number;
  /** Resolve null instead of throwing when every attempt timed out (the caller has its own retry). */
  nullOnNoReply?: boolean;
  /** Attempts already made by the caller (continues the timeout doubling). */
  attemptOffset?: number;
  /** When the caller's budget started (Date.now()); default: now. */
  startedAt?: number;
}

interface Pending {
  seq: number;
  expect: MsgName[];
  resolve: (m: DecodedMessage) => void;
  reject: (e: Error) => void;
}

export class DeviceClient {
  readonly stats: ClientStats = { badFrames: 0, staleReplies: 0, timeouts: 0, retries: 0, bytesSent: 0, bytesReceived: 0 };
  info: InfoMsg | null = null;
  private dec = new FrameDecoder();
  private seq = 1;
  private pending: Pending | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private predictions = new Listeners<[PredictionMsg]>();
  private imu = new Listeners<[ImuSamplesMsg]>();
  private anomalies = new Listeners<[AnomalyScoreMsg]>();
  private logListeners = new Listeners<[string]>();
  /** Text of the most recent LOG events (firmware log lines, e.g. TFLM's DebugLog), oldest first, trailing newlines removed. */
  readonly logs: string[] = [];
  private closedReason: string | null = null;
  private unsubs: (() => void)[] = [];
  private readonly o: Required<Omit<ClientOptions, 'bytesPerSecond'>> & { bytesPerSecond: number };
  /** Reply-time estimates from the measured link (see link-timing.ts). */
  readonly timing: LinkTiming;
  /** Current largest INPUT_CHUNK payload (shrinks after lost input frames). */
  private chunkLimit = INPUT_CHUNK_BYTES;
  private cleanRun = 0;

  constructor(readonly transport: Transport, opts: ClientOptions = {}) {
    this.o = {
      baseTimeoutMs: opts.baseTimeoutMs ?? 250,
      retries: opts.retries ?? 6,
      requestBudgetMs: opts.requestBudgetMs ?? 60_000,
      bytesPerSecond: opts.bytesPerSecond ?? transport.bytesPerSecond ?? 8000,
      handshakeMs: opts.handshakeMs ?? 10000,
      inferenceMs: opts.inferenceMs ?? 2000,
      helloAttemptMs: opts.helloAttemptMs ?? 1500,
    };
    this.timing = new LinkTiming({ bytesPerSecond: this.o.bytesPerSecond, floorMs: this.o.baseTimeoutMs, initialInferenceMs: this.o.inferenceMs });
    this.unsubs.push(transport.onData((c) => this.onBytes(c)));
    this.unsubs.push(
      transport.onClose((reason) => {
        this.closedReason = reason;
        this.pending?.reject(deviceError(`the link to ${transport.description} closed: ${reason}`, { remedy: 'check the cable / that the board or emulator is still running, then retry' }));
      }),
    );
  }

  /** Open the transport and handshake. */
  static async connect(transport: Transport, opts: ClientOptions = {}): Promise<DeviceClient> {
    await transport.open();
    const c = new DeviceClient(transport, opts);
    try {
      await c.hello();
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  async close(): Promise<void> {
    for (const u of this.unsubs) u();
    this.unsubs = [];
    await this.transport.close();
  }

  onPrediction(f: (p: PredictionMsg) => void): () => void {
    return this.predictions.add(f);
  }
  onImuSamples(f: (s: ImuSamplesMsg) => void): () => void {
    return this.imu.add(f);
  }
  /** The anomaly block's score of each live window (ANOMALY_SCORE events, right after their PREDICTION). */
  onAnomaly(f: (s: AnomalyScoreMsg) => void): () => void {
    return this.anomalies.add(f);
  }
  /** Firmware log lines (LOG events), trailing newlines removed; blank ones are dropped. */
  onLog(f: (text: string) => void): () => void {
    return this.logListeners.add(f);
  }

  private onLogMsg(m: LogMsg): void {
    const text = m.text.replace(/[\r\n]+$/, '');
    if (!text) return;
    this.logs.push(text);
    if (this.logs.length > LOG_KEEP) this.logs.shift();
    this.logListeners.emit(text);
  }

  private onBytes(chunk: Uint8Array): void {
    this.stats.bytesReceived += chunk.length;
    for (const ev of this.dec.push(chunk)) {
      if (ev.kind === 'error') {
        this.stats.badFrames++;
        continue;
      }
      const m = decodeMessage(ev);
      if (m.name === null) {
        this.stats.badFrames++;
        continue;
      }
      if (m.name === 'PREDICTION') this.predictions.emit(m.msg);
      else if (m.name === 'IMU_SAMPLES') this.imu.emit(m.msg);
      else if (m.name === 'LOG') this.onLogMsg(m.msg);
      // An event's window is a PREDICTION's; the reply to ANOMALY_READ has INFER_WINDOW (its seq may equal an event's).
      else if (m.name === 'ANOMALY_SCORE' && m.msg.window !== INFER_WINDOW) this.anomalies.emit(m.msg);
      else if (this.pending && m.seq === this.pending.seq && (m.name === 'ERROR' || this.pending.expect.includes(m.name))) this.pending.resolve(m);
      else this.stats.staleReplies++;
    }
  }

  /** Timeout for attempt `attempt` (0 = first) of an exchange: see LinkTiming.timeoutMs. */
  timeoutFor(requestBytes: number, replyBytes: number, o: { inference?: boolean; attempt?: number } = {}): number {
    return this.timing.timeoutMs(requestBytes + replyBytes, o.inference, o.attempt);
  }

  /** Largest INPUT_CHUNK payload the client sends now (smaller after losses on this link). */
  get inputChunkBytes(): number {
    return this.chunkLimit;
  }

  private noteInputLoss(payloadBytes: number): void {
    this.cleanRun = 0;
    if (payloadBytes > 0) this.chunkLimit = Math.max(MIN_INPUT_CHUNK_BYTES, Math.floor(Math.min(this.chunkLimit, payloadBytes) / 2));
  }

  private noteInputSuccess(): void {
    if (++this.cleanRun >= CLEAN_RUN_TO_GROW && this.chunkLimit < INPUT_CHUNK_BYTES) {
      this.cleanRun = 0;
      this.chunkLimit = Math.min(INPUT_CHUNK_BYTES, this.chunkLimit * 2);
    }
  }

  /** Send a request and wait for one of `expect` (or ERROR, which rejects). Serialised. */
  request<K extends MsgName>(name: K, msg: MessageMap[K], expect: MsgName[], opts: Omit<RequestOptions, 'nullOnNoReply'> = {}): Promise<DecodedMessage> {
    return this.exclusive(() => this.attempts(name, msg, expect, opts));
  }

  /** Runs `fn` when every earlier request has finished; later ones wait for it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private attempts<K extends MsgName>(name: K, msg: MessageMap[K], expect: MsgName[], opts: RequestOptions & { nullOnNoReply: true }): Promise<DecodedMessage | null>;
  private attempts<K extends MsgName>(name: K, msg: MessageMap[K], expect: MsgName[], opts: RequestOptions): Promise<DecodedMessage>;
  private async attempts<K extends MsgName>(name: K, msg: MessageMap[K], expect: MsgName[], opts: RequestOptions): Promise<DecodedMessage | null> {
    const retries = opts.retries ?? this.o.retries;
    const startedAt = opts.startedAt ?? Date.now();
    const offset = opts.attemptOffset ?? 0;
    const inputBytes = name === 'INFER' ? (msg as MessageMap['INFER']).input.length : name === 'INPUT_CHUNK' ? (msg as MessageMap['INPUT_CHUNK']).bytes.length : -1;
    let lastFrameBytes = 0;
    let made = 0;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (this.closedReason) throw deviceError(`the link to ${this.transport.description} is closed (${this.closedReason})`, { remedy: 'reconnect and retry' });
      if (attempt + offset > 0) {
        const pause = this.timing.backoffMs(attempt + offset);
        if (Date.now() + pause - startedAt >= this.o.requestBudgetMs) break;
        if (attempt > 0) this.stats.retries++;
        if (pause) await new Promise((r) => setTimeout(r, pause));
        await this.transport.flush();
        this.dec.reset();
      }
      const remaining = this.o.requestBudgetMs - (Date.now() - startedAt);
      if (remaining <= 0) break;
      const seq = this.seq;
      this.seq = (this.seq + 1) & 0xffff || 1;
      const frame = encodeMessage(name, seq, msg);
      lastFrameBytes = frame.length;
      const timeout = Math.min(remaining, attempt === 0 && opts.firstTimeoutMs ? opts.firstTimeoutMs : this.timeoutFor(frame.length, opts.replyBytes ?? 64, { inference: opts.inference, attempt: attempt + offset }));
      const received0 = this.stats.bytesReceived;
      const t0 = Date.now();
      made++;
      const reply = await new Promise<DecodedMessage | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending = null;
          resolve(null);
        }, timeout);
        this.pending = {
          seq,
          expect,
          resolve: (m) => {
            clearTimeout(timer);
            this.pending = null;
            resolve(m);
          },
          reject: (e) => {
            clearTimeout(timer);
            this.pending = null;
            reject(e);
          },
        };
        this.stats.bytesSent += frame.length;
        this.transport.write(frame).catch((e) => this.pending?.reject(e instanceof TinyforgeError ? e : deviceError(`write to ${this.transport.description} failed`, { cause: e, remedy: 'check the connection' })));
      });
      if (reply === null) {
        this.stats.timeouts++;
        if (inputBytes >= 0) this.noteInputLoss(inputBytes);
        continue;
      }
      // Events (PREDICTION, IMU_SAMPLES) arriving meanwhile are not this reply: count at most its expected size.
      const bytes = frame.length + Math.min(this.stats.bytesReceived - received0, opts.replyBytes ?? 64);
      this.timing.observe(bytes, Date.now() - t0, reply.name === 'RESULT' ? { deviceMs: reply.msg.micros / 1000 } : undefined);
      if (reply.name === 'ERROR') {
        const e = reply.msg;
        throw deviceError(`device answered ${name} with ERROR ${ERR_NAME[e.code] ?? e.code}: ${e.text}`, {
          remedy: 'check that the model/firmware on the board match what you sent (tinyforge verify checks the model hash)',
          details: { code: e.code, request: name },
        });
      }
      if (inputBytes >= 0) this.noteInputSuccess();
      return reply;
    }
    if (opts.nullOnNoReply) return null;
    throw this.noReply(name, made, lastFrameBytes);
  }

  private noReply(name: MsgName, attempts: number, frameBytes: number): TinyforgeError {
    return deviceError(`no reply to ${name} from ${this.transport.description} after ${attempts} attempts`, {
      remedy: 'check the port and that the board runs tinyforge firmware (reset it or restart the emulator); a wrong baud rate also looks like this; on a noisy link (long or unshielded cable) raise --timeout-ms',
      details: { request: name, frameBytes, budgetMs: this.o.requestBudgetMs, stats: { ...this.stats } },
    });
  }

  /** Handshake: HELLO until INFO arrives or the handshake budget runs out (bytes sent before the peer opens a pty are lost). */
  async hello(): Promise<InfoMsg> {
    const deadline = Date.now() + this.o.handshakeMs;
    let lastErr: unknown = null;
    await this.transport.flush();
    while (Date.now() < deadline) {
      try {
        const r = await this.request('HELLO', {}, ['INFO'], { retries: 0, replyBytes: 600, firstTimeoutMs: Math.min(this.o.helloAttemptMs, Math.max(100, deadline - Date.now())) });
        this.info = (r as { msg: InfoMsg }).msg;
        return this.info;
      } catch (e) {
        if (e instanceof TinyforgeError && e.details?.code !== undefined) throw e;
        if (this.closedReason) throw e;
        lastErr = e;
      }
    }
    throw deviceError(`no answer to HELLO from ${this.transport.description} within ${this.o.handshakeMs} ms`, {
      cause: lastErr ?? undefined,
      remedy: 'is the board running tinyforge firmware and is this its port? Reset the board (or restart the virtual board) and retry',
    });
  }

  private requireInfo(): InfoMsg {
    if (!this.info) throw deviceError('no device info yet', { remedy: 'call hello() (DeviceClient.connect does) before other requests' });
    return this.info;
  }

  /**
   * One inference. Inputs up to MAX_SINGLE_INFER_BYTES go whole in one INFER; larger ones are staged
   * with INPUT_CHUNKs and run by an empty INFER (see the file comment). Same result either way.
   */
  async infer(input: Uint8Array): Promise<InferResult> {
    const info = this.requireInfo();
    if (input.length !== info.inputBytes) throw deviceError(`input is ${input.length} bytes but the device's model takes ${info.inputBytes}`, { remedy: 'use inputs made for the model on the board' });
    const opts = { replyBytes: Math.min(info.outputBytes, MAX_OUTPUT_BYTES) + 24, inference: true };
    return this.exclusive(async () => {
      const m = ((await this.inferRounds(input, opts)) as { msg: ResultMsg }).msg;
      const first = Math.min(info.outputBytes, MAX_OUTPUT_BYTES);
      if (m.output.length !== first) throw deviceError(`device returned ${m.output.length} output bytes, expected ${first} of ${info.outputBytes}`, { remedy: 'reflash the board: its firmware and INFO disagree' });
      if (info.outputBytes === first) return { output: m.output, counterDelta: m.counterDelta, micros: m.micros };
      const output = new Uint8Array(info.outputBytes);
      output.set(m.output);
      for (let offset = first; offset < output.length; ) {
        const length = Math.min(OUTPUT_READ_BYTES, output.length - offset);
        const d = (await this.attempts('OUTPUT_READ', { offset, length }, ['OUTPUT_DATA'], { replyBytes: length + 16 })).msg as OutputDataMsg;
        if (d.offset !== offset || d.bytes.length !== length) throw deviceError(`device answered OUTPUT_READ ${offset}+${length} with ${d.offset}+${d.bytes.length}`, { remedy: 'reflash the board: its firmware and INFO disagree' });
        output.set(d.bytes, offset);
        offset += length;
      }
      return { output, counterDelta: m.counterDelta, micros: m.micros };
    });
  }

  /**
   * The board's feature block on one raw window (FEATURES → FEATURE_VECTOR): its int32 features,
   * the int8 model input made from them, and the DSP's own counter delta. Firmware of a raw-window
   * model answers ERROR NO_FEATURES (a device error).
   */
  async features(window: Uint8Array): Promise<{ features: Int32Array; modelInput: Int8Array; counterDelta: number; micros: number }> {
    const info = this.requireInfo();
    if (window.length !== info.inputBytes) throw deviceError(`window is ${window.length} bytes but the device takes ${info.inputBytes}`, { remedy: 'send the raw window the model was trained on (int16 counts [sample][axis])' });
    const m = (await this.exclusive(async () => {
      const whole = window.length <= MAX_SINGLE_INFER_BYTES;
      if (!whole) {
        for (let offset = 0; offset < window.length; offset += INPUT_CHUNK_BYTES) {
          await this.attempts('INPUT_CHUNK', { offset, bytes: window.subarray(offset, Math.min(window.length, offset + INPUT_CHUNK_BYTES)) }, ['ACK'], {});
        }
      }
      const r = await this.attempts('FEATURES', { window: whole ? window : new Uint8Array(0) }, ['FEATURE_VECTOR'], { inference: true });
      if (!r) throw this.noReply('FEATURES', 1, window.length);
      return r;
    })).msg as FeatureVectorMsg;
    const n = m.featureCount;
    if (m.data.length !== 5 * n) throw deviceError(`FEATURE_VECTOR carries ${m.data.length} bytes for ${n} features (expected ${5 * n})`, { remedy: 'reflash the board: its firmware and this host disagree' });
    const dv = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    const features = Int32Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
    const modelInput = Int8Array.from({ length: n }, (_, i) => dv.getInt8(4 * n + i));
    return { features, modelInput, counterDelta: m.counterDelta, micros: m.micros };
  }

  /**
   * The anomaly block's score of the last INFER's model input (ANOMALY_READ → ANOMALY_SCORE).
   * Firmware without an anomaly block answers ERROR NO_ANOMALY (a device error).
   */
  async anomaly(): Promise<{ distance: number; threshold: number; cluster: number; flagged: boolean }> {
    const m = (await this.request('ANOMALY_READ', {}, ['ANOMALY_SCORE'], { replyBytes: 40 })).msg as AnomalyScoreMsg;
    return { distance: m.distance, threshold: m.threshold, cluster: m.cluster, flagged: m.flagged === 1 };
  }

  /**
   * Up to `retries` + 1 rounds within one request budget. A round sends the input whole in one
   * INFER when it fits both a frame and the current chunk limit; otherwise it stages it with
   * INPUT_CHUNKs (each with the usual per-request retries; a re-sent chunk is idempotent; sizes
   * follow `inputChunkBytes`, which the device's staged-prefix rule accepts in any order-preserving
   * mix) and sends an empty INFER. A round whose INFER gets no reply (request or RESULT lost)
   * halves the chunk limit, so on a noisy link the next round already goes in smaller frames; the
   * device clears its staging at every INFER, so a staged round always stages the whole input.
   */
  private async inferRounds(input: Uint8Array, opts: RequestOptions): Promise<DecodedMessage> {
    const rounds = this.o.retries + 1;
    const startedAt = Date.now();
    let round = 0;
    for (; round < rounds && Date.now() - startedAt < this.o.requestBudgetMs; round++) {
      if (round > 0) this.stats.retries++;
      const whole = input.length > 0 && input.length <= Math.min(MAX_SINGLE_INFER_BYTES, this.chunkLimit);
      if (!whole) {
        for (let offset = 0; offset < input.length; ) {
          const size = Math.min(this.chunkLimit, INPUT_CHUNK_BYTES, input.length - offset);
          await this.attempts('INPUT_CHUNK', { offset, bytes: input.subarray(offset, offset + size) }, ['ACK'], {});
          offset += size;
        }
      }
      const r = await this.attempts('INFER', { input: whole ? input : new Uint8Array(0) }, ['RESULT'], { ...opts, retries: 0, nullOnNoReply: true, attemptOffset: round, startedAt });
      if (r) return r;
    }
    throw this.noReply('INFER', round, input.length);
  }

  /**
   * Feed samples to the device's window buffer (boards without an IMU). Resolves at the (last) ACK;
   * predictions arrive via onPrediction. More samples than one frame holds go as several SAMPLES_IN.
   */
  async samplesIn(samples: Float32Array): Promise<void> {
    const axes = Math.max(1, this.info?.numAxes ?? 1);
    if (samples.length % axes) {
      throw deviceError(`${samples.length} values are not whole samples of the device model's ${axes} axes`, {
        remedy: `send ${axes} values per sample, in the model's axis order (device.ts --axes picks the columns)`,
        details: { values: samples.length, numAxes: axes },
      });
    }
    const per = Math.max(axes, Math.floor(MAX_PAYLOAD / 4 / axes) * axes);
    for (let i = 0; i === 0 || i < samples.length; i += per) {
      const part = samples.subarray(i, i + per);
      await this.request('SAMPLES_IN', { samples: part }, ['ACK'], { replyBytes: 64 + 64 * Math.ceil(part.length / Math.max(1, this.info?.windowStride ?? 1)), inference: true });
    }
  }

  async reset(): Promise<void> {
    await this.request('RESET', {}, ['ACK']);
  }

  async streamStart(rateHz = 0): Promise<void> {
    await this.request('STREAM_START', { rateHz }, ['ACK']);
  }

  async streamStop(): Promise<void> {
    await this.request('STREAM_STOP', {}, ['ACK']);
  }

  /** Streams IMU batches to `onSamples` until the returned stop function is awaited. */
  async stream(onSamples: (s: ImuSamplesMsg) => void, rateHz = 0): Promise<() => Promise<void>> {
    const off = this.onImuSamples(onSamples);
    try {
      await this.streamStart(rateHz);
    } catch (e) {
      off();
      throw e;
    }
    return async () => {
      try {
        await this.streamStop();
      } finally {
        off();
      }
    };
  }
}

export { MSG };
