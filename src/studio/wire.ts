/**
 * The studio's wire types: what the server sends the page (JSON over /api and /ws). Types only,
 * no runtime code and no Node imports, so the front end (studio/src) imports them too.
 */
import type { InfoMsg } from '../device/protocol.generated.js';

export type { EditResult, RecordingSamples } from '../data/recording-edit.js';
export type { WindowSpectrum } from '../features/spectrum.js';

export type LinkState = 'connecting' | 'connected' | 'disconnected';

export interface DeviceView {
  state: LinkState;
  port: string;
  error: string | null;
  source: { kind: string; activity?: string; subject?: number } | null;
  /** The board's INFO, with the model SHA-256 as hex. */
  info: (Omit<InfoMsg, 'modelSha256'> & { modelSha256: string }) | null;
  /** SHA-256 of the model on disk, when the studio knows one, and whether the board runs it. */
  modelOnDisk: { path: string; sha256: string; match: boolean | null } | null;
  stats: { samples: number; lostSamples: number; predictions: number; lostPredictions: number };
}

export type StudioEvent =
  | { t: 'status'; device: DeviceView }
  /** `mg`: interleaved aX,aY,aZ in milli-g; `first`: index of the first sample since the stream started. */
  | { t: 'samples'; first: number; rateHz: number; mg: number[]; lost: number }
  /** `probs`: class confidences in label order (the dequantised outputs, softmaxed when they are logits: `fromLogits`); `micros`: the board's inference time; `microjoules`: its ESTIMATED energy on the board's MCU (src/firmware/energy.ts), absent when unknown. */
  | { t: 'prediction'; window: number; label: string; classIndex: number; confidence: number; probs: number[]; fromLogits: boolean; micros: number; microjoules?: number }
  | { t: 'record'; phase: 'started' | 'finished'; file: string; label: string; subject: string; seconds: number; samples?: number; stopReason?: string; warning?: string };

export interface RecordingEntry {
  file: string;
  label: string;
  group: string;
  samples: number;
  seconds: number;
  sampleRateHz: number;
  missingSamples: number;
  startedAt: string | null;
  stopReason: string | null;
}

export interface Totals {
  recordings: number;
  samples: number;
  /** samples / rate. */
  seconds: number;
}

export interface DatasetListing {
  dir: string;
  recordings: RecordingEntry[];
  byLabel: Record<string, Totals>;
  bySubject: Record<string, Totals>;
  /** Per label: its share of all samples (0–1): the class balance. */
  balance: Record<string, number>;
  /** Files that look like recordings but could not be read, with why. */
  skipped: { file: string; reason: string }[];
}
