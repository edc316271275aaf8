/**
 * The studio's link to one board (adapter): the Node process owns the serial link through
 * DeviceClient; the browser only sees events. Keeps the link state, starts the live sample source
 * and forwards samples/predictions, counts lost samples, records captures into the dataset folder
 * (the same CSV + sidecar `tinyforge capture` writes, via src/device/capture.ts), and notices an
 * unplugged board (the transport closes): state 'disconnected', a running recording is finalised
 * with what arrived.
 */
import { appendText, exists, makeDir, moveFile, writeFileAtomic } from '../adapters/files.js';
import { join } from 'node:path';
import { DeviceClient } from '../device/client.js';
import { CAPTURE_CSV_HEADER, CaptureSession, captureSidecar, type CaptureSummary } from '../device/capture.js';
import { describePrediction } from '../device/monitor.js';
import type { ImuSamplesMsg } from '../device/protocol.generated.js';
import type { DeviceView, LinkState, StudioEvent } from './wire.js';
import { Listeners, type Transport } from '../device/transport.js';
import { causeText, deviceError, usageError } from '../core/errors.js';
import type { SampleSource } from './sample-source.js';
import { fileNamePart, validName } from './security.js';

/** Opens the link (and, for the virtual board, starts it); `stop` ends what it started. */
export interface Connector {
  description: string;
  open(): Promise<{ transport: Transport; stop?: () => Promise<void> }>;
}

export interface RecordResult extends CaptureSummary {
  file: string;
  stopReason: string;
  /** Set when the label differs from what the simulated wearer played. */
  warning?: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Confidences for the bars: a model ending in softmax already gives probabilities (each in [0, 1],
 * summing to ≈ 1 within int8 rounding); any other output is taken as logits and softmaxed.
 */
export function classProbabilities(scores: number[]): { probs: number[]; fromLogits: boolean } {
  const sum = scores.reduce((a, x) => a + x, 0);
  if (scores.length > 1 && scores.every((x) => x >= 0 && x <= 1) && Math.abs(sum - 1) <= 0.02 * scores.length) return { probs: scores, fromLogits: false };
  const m = Math.max(...scores);
  const e = scores.map((x) => Math.exp(x - m));
  const z = e.reduce((a, x) => a + x, 0);
  return { probs: e.map((x) => x / z), fromLogits: true };
}

export class DeviceSession {
  state: LinkState = 'disconnected';
  error: string | null = null;
  client: DeviceClient | null = null;
  readonly events = new Listeners<[StudioEvent]>();
  private stopSource: (() => Promise<void>) | null = null;
  private stopLink: (() => Promise<void>) | null = null;
  private nextSample = -1;
  private nextWindow = -1;
  private stats = { samples: 0, lostSamples: 0, predictions: 0, lostPredictions: 0 };
  private recording: { session: CaptureSession; partial: string; seconds: number; end: number | null; finish: (reason: string) => void } | null = null;
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly connector: Connector,
    readonly source: SampleSource,
    private readonly opts: { datasetDir: string; model?: { path: string; sha256: string } },
  ) {}

  view(): DeviceView {
    const info = this.client?.info;
    const sha = info ? hex(info.modelSha256) : null;
    return {
      state: this.state,
      port: this.connector.description,
      error: this.error,
      source: this.state === 'connected' ? { kind: this.source.kind, activity: this.source.activity, subject: this.source.subject } : null,
      info: info ? { ...info, modelSha256: sha! } : null,
      modelOnDisk: this.opts.model ? { ...this.opts.model, match: sha ? sha === this.opts.model.sha256 : null } : null,
      stats: { ...this.stats },
    };
  }

  private status(): void {
    this.events.emit({ t: 'status', device: this.view() });
  }

  /** Connects (once at a time); failures leave state 'disconnected' with the error shown. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    await this.teardown();
    this.state = 'connecting';
    this.error = null;
    this.status();
    try {
      const { transport, stop } = await this.connector.open();
      this.stopLink = stop ?? null;
      const client = await DeviceClient.connect(transport, { handshakeMs: 20000 });
      this.client = client;
      transport.onClose((reason) => this.lost(client, reason));
      client.onPrediction((p) => {
        if (this.nextWindow >= 0 && p.window > this.nextWindow) this.stats.lostPredictions += p.window - this.nextWindow;
        this.nextWindow = p.window + 1;
        this.stats.predictions++;
        const info = client.info!;
        const line = describePrediction(p, info);
        const { probs, fromLogits } = classProbabilities(line.scores.map((q) => info.outputScale * (q - info.outputZeroPoint)));
        this.events.emit({ t: 'prediction', window: p.window, label: line.label, classIndex: p.classIndex, confidence: probs[p.classIndex] ?? 0, probs, fromLogits, micros: p.micros, ...(line.microjoules !== undefined ? { microjoules: line.microjoules } : {}) });
      });
      this.nextSample = -1;
      this.nextWindow = -1;
      this.stopSource = await this.source.start(client, (b) => this.onBatch(b), (e) => this.lost(client, causeText(e)));
      this.state = 'connected';
    } catch (e) {
      await this.teardown();
      this.state = 'disconnected';
      this.error = causeText(e);
    }
    this.status();
  }

  private onBatch(b: ImuSamplesMsg): void {
    const n = b.samplesMg.length / 3;
    if (this.nextSample >= 0 && b.firstSample > this.nextSample) this.stats.lostSamples += b.firstSample - this.nextSample;
    // A repeated (or late) frame adds no samples; the recorder below drops it by sequence number too.
    this.stats.samples += Math.max(0, b.firstSample + n - Math.max(b.firstSample, this.nextSample));
    this.nextSample = Math.max(this.nextSample, b.firstSample + n);
    this.events.emit({ t: 'samples', first: b.firstSample, rateHz: b.rateMilliHz / 1000, mg: Array.from(b.samplesMg), lost: this.stats.lostSamples });
    const r = this.recording;
    if (!r) return;
    // N seconds of sensor time: the samples (by sequence number) from the first batch on.
    r.end ??= b.firstSample + Math.round((r.seconds * b.rateMilliHz) / 1000);
    const keep = Math.max(0, Math.min(n, r.end - b.firstSample));
    if (keep > 0) appendText(r.partial, r.session.add(keep === n ? b : { ...b, samplesMg: b.samplesMg.subarray(0, keep * 3) }, Date.now()));
    if (b.firstSample + n >= r.end) r.finish('time');
  }

  /** The link went away underneath us (unplug, emulator killed, write failure). */
  private lost(client: DeviceClient, reason: string): void {
    if (this.client !== client || this.state === 'disconnected') return;
    this.recording?.finish('link closed');
    this.error = `link lost: ${reason}`;
    this.state = 'disconnected';
    void this.teardown().then(() => this.status());
    this.status();
  }

  private async teardown(): Promise<void> {
    const stopSource = this.stopSource;
    const client = this.client;
    const stopLink = this.stopLink;
    this.stopSource = this.stopLink = null;
    this.client = null;
    await stopSource?.().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await stopLink?.().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.recording?.finish('studio stopped');
    await this.teardown();
    this.state = 'disconnected';
  }

  /**
   * Records `seconds` of the live stream (seconds × the sensor's rate samples, counted by sequence
   * number from the first batch) as `label`/`subject` into the dataset folder; resolves when the
   * file is complete (also when the link is lost: everything received is kept).
   */
  async record(label: string, subject: string, seconds: number): Promise<RecordResult> {
    if (!validName(label) || !validName(subject)) throw usageError('label and subject must be 1–64 characters without control characters or surrounding spaces', { remedy: 'e.g. label "walking", subject "alice"' });
    if (!(seconds > 0 && seconds <= 3600)) throw usageError(`seconds must be within (0, 3600], got ${seconds}`, { remedy: 'e.g. 10' });
    if (this.recording) throw usageError('a recording is already running', { remedy: 'wait for it to finish' });
    const client = this.client;
    if (this.state !== 'connected' || !client) throw deviceError('no board connected', { remedy: 'connect the board (Device page → Reconnect)' });
    // The simulated wearer is the Live page's choice, never switched behind the user's back: a
    // label that differs from what the simulator plays is recorded as asked, with a warning.
    const playing = this.source.setActivity ? this.source.activity : undefined;
    const warning = playing !== undefined && playing !== label ? `the simulated wearer is ${playing}; this recording holds ${playing} data labelled "${label}" (pick ${/^[a-z]+$/.test(label) ? `"${label}" on the Live page first if the simulator has it` : 'the activity on the Live page first'})` : null;
    makeDir(this.opts.datasetDir);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    let base = `${fileNamePart(label)}.${fileNamePart(subject)}.${stamp}`;
    for (let i = 2; exists(join(this.opts.datasetDir, base + '.csv')); i++) base = `${fileNamePart(label)}.${fileNamePart(subject)}.${stamp}-${i}`;
    const file = base + '.csv';
    const target = join(this.opts.datasetDir, file);
    const partial = target + '.partial';
    writeFileAtomic(partial, CAPTURE_CSV_HEADER + '\n');
    const session = new CaptureSession(label, subject);
    const startedAt = new Date().toISOString();
    let stopReason = 'time';
    const done = new Promise<void>((res) => {
      // The samples end the recording; this only ends one whose stream stalled.
      const timer = setTimeout(() => finish('stream stalled'), seconds * 1000 + 10_000);
      const finish = (reason: string) => {
        clearTimeout(timer);
        stopReason = reason;
        this.recording = null;
        res();
      };
      this.recording = { session, partial, seconds, end: null, finish };
    });
    this.events.emit({ t: 'record', phase: 'started', file, label, subject, seconds });
    await done;
    const s = session.summary();
    moveFile(partial, target);
    const sidecar = captureSidecar(s, { board: client.info?.board ?? null, port: this.connector.description, engine: client.info?.engine, startedAt, stopReason, file }, client.info?.imuRateHz);
    writeFileAtomic(target + '.json', JSON.stringify(sidecar, null, 2) + '\n');
    this.events.emit({ t: 'record', phase: 'finished', file, label, subject, seconds: s.seconds, samples: s.samples, stopReason, ...(warning ? { warning } : {}) });
    return { ...s, file, stopReason, ...(warning ? { warning } : {}) };
  }
}
