/**
 * What the virtual board's simulated IMU measures: the built-in simulator (an activity of one
 * simulated person, seeded) or recorded samples played back at their own rate. Pure: a source
 * hands out the next samples on request; the virtual board adapter paces them in real time.
 */
import type { Recording } from '../core/dataset.js';
import { badInput, usageError } from '../core/errors.js';
import { ACTIVITIES, BUILTIN_DEFAULTS, FULL_SCALE_G, simulateSession, type Activity } from '../data/simulator.js';
import { sensitivityFor } from './sensor-bus.js';

/** The IMU a virtual board is started with (`--imu none | sim:ACTIVITY[:SUBJECT] | file:PATH`). */
export type ImuSpec =
  | { kind: 'none' }
  | {
      kind: 'simulated';
      /** One of the simulator's activities (idle, walking, running, biking, golfing). */
      activity: string;
      /** Simulated person, 1-based as in the built-in dataset's groups ("subject03" = 3). Default 1. */
      subject?: number;
      /** Simulator seed (default 1, the built-in dataset's). */
      seed?: number;
      /** Output data rate, 50–119 Hz (default 50, the built-in dataset's). */
      rateHz?: number;
    }
  | {
      kind: 'playback';
      /** Any recording file `tinyforge data inspect` reads (all its recordings, in order). */
      file: string;
      /** Start again at the end (default true); otherwise the sensor stops sending. */
      loop?: boolean;
    };

export const IMU_SPEC_HELP = 'none | sim:ACTIVITY[:SUBJECT] (activities: ' + ACTIVITIES.join(', ') + ') | file:PATH (a recording, played back at its rate)';

/** Parses the `--imu` flag value. */
export function parseImuSpec(text: string): ImuSpec {
  const remedy = `pass --imu ${IMU_SPEC_HELP}; e.g. --imu sim:walking:3`;
  if (text === 'none') return { kind: 'none' };
  if (text.startsWith('file:')) {
    const file = text.slice(5);
    if (!file) throw usageError('--imu file: needs a path', { remedy });
    return { kind: 'playback', file };
  }
  const m = /^sim:([a-z]+)(?::(?:subject)?0*(\d+))?$/i.exec(text);
  if (!m) throw usageError(`--imu ${text} is not an IMU description`, { remedy });
  // A flag value naming no activity is a usage error (exit 2), like any bad flag value.
  if (!(ACTIVITIES as readonly string[]).includes(m[1].toLowerCase())) throw usageError(`--imu ${text}: the simulator has no activity "${m[1]}"`, { remedy: `pick one of ${ACTIVITIES.join(', ')}, e.g. --imu sim:walking:3` });
  const spec: ImuSpec = { kind: 'simulated', activity: checkActivity(m[1].toLowerCase()) };
  if (m[2] !== undefined) spec.subject = Number(m[2]);
  return spec;
}

function checkActivity(name: string): Activity {
  if (!(ACTIVITIES as readonly string[]).includes(name)) {
    throw badInput(`the simulator has no activity "${name}"`, { remedy: `pick one of ${ACTIVITIES.join(', ')}` });
  }
  return name as Activity;
}

/** The IMU a board was started with, as the host drives it (the virtual board's sensor bus). */
export interface SimulatedImu {
  /** Output data rate the sensor reports to the board (INFO's imuRateHz), Hz. */
  readonly rateHz: number;
  /** Sensitivity the sensor is configured with, counts per g. */
  readonly lsbPerG: number;
  /** What it measures, e.g. "simulated walking, subject 3, seed 1, 50 Hz". */
  describe(): string;
  /** Samples sent to the board so far. */
  samplesSent(): number;
  /** Simulated IMU: the person switches to `activity` from the next sample (bad input for a playback or an unknown activity). */
  setActivity(activity: string): void;
}

/** A stream of accelerometer samples at a fixed rate. */
export interface SampleSource {
  readonly rateHz: number;
  /** Sensitivity the sensor is configured with (counts per g): its full scale holds the data. */
  readonly lsbPerG: number;
  /** One line for logs and INFO-like listings, e.g. "simulated walking, subject 3, seed 1, 50 Hz". */
  describe(): string;
  /** The next `n` samples (x, y, z in g, interleaved); fewer (possibly none) when a playback ends. */
  take(n: number): Float32Array;
  /** Simulated sources: switch what the person does, from the next sample on. */
  setActivity?(name: string): void;
}

/** Simulated sessions are generated this long at a time (and a new session follows). */
const SESSION_SECONDS = 20;

export function simulatedSource(spec: Extract<ImuSpec, { kind: 'simulated' }>): SampleSource {
  const seed = spec.seed ?? BUILTIN_DEFAULTS.seed;
  const rateHz = spec.rateHz ?? BUILTIN_DEFAULTS.rateHz;
  const subject = spec.subject ?? 1;
  if (!Number.isInteger(subject) || subject < 1 || subject > 1000) throw badInput(`simulated subject must be 1–1000, got ${subject}`, { remedy: 'e.g. --imu sim:walking:3' });
  let activity = checkActivity(spec.activity);
  let session = 0;
  let buf: Float32Array = new Float32Array(0);
  let pos = 0;
  const refill = () => {
    buf = simulateSession({ seed, subject: subject - 1, activity, session: session++, frames: Math.round(SESSION_SECONDS * rateHz), rateHz });
    pos = 0;
  };
  refill();
  return {
    rateHz,
    // The simulator's own ADC: ±4 g in 16 bits, so its samples go over the bus without rounding.
    lsbPerG: 32768 / FULL_SCALE_G,
    describe: () => `simulated ${activity}, subject ${subject}, seed ${seed}, ${rateHz} Hz`,
    take(n) {
      const out = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) {
        if (pos >= buf.length) refill();
        out.set(buf.subarray(pos, pos + 3), i * 3);
        pos += 3;
      }
      return out;
    },
    setActivity(name) {
      activity = checkActivity(name);
      session = 0;
      refill();
    },
  };
}

const G = 9.80665;
const AXIS_NAMES = [/^(a|acc|acc_|accel|accel_)?x$/i, /^(a|acc|acc_|accel|accel_)?y$/i, /^(a|acc|acc_|accel|accel_)?z$/i];

/** g per unit of an accelerometer column's unit, or null if it is not an acceleration unit. */
function gPerUnit(unit: string): number | null {
  const u = unit.replace(/\s+/g, '').toLowerCase();
  if (u === 'g') return 1;
  if (u === 'mg') return 1e-3;
  if (u === 'm/s2' || u === 'm/s^2' || u === 'm/s²' || u === 'ms-2' || u === 'm·s⁻²') return 1 / G;
  return null;
}

/**
 * Recorded accelerometer samples played back: every recording's aX, aY, aZ (converted to g) in
 * order, at their common rate. `source` names the file in errors.
 */
export function playbackSource(recordings: readonly Recording[], source: string, opts: { loop?: boolean } = {}): SampleSource {
  if (!recordings.length) throw badInput(`${source} has no recordings to play back`, { remedy: 'check the file with tinyforge data inspect' });
  const rateHz = recordings[0].sampleRateHz;
  const parts: Float32Array[] = [];
  let maxAbs = 0;
  for (const r of recordings) {
    if (r.sampleRateHz !== rateHz) {
      throw badInput(`${source}: recordings at different rates (${rateHz} and ${r.sampleRateHz} Hz) cannot be one sensor's stream`, { remedy: 'play back one recording (or a file at one rate)' });
    }
    const idx = AXIS_NAMES.map((re) => r.axes.findIndex((a) => re.test(a)));
    if (idx.some((i) => i < 0)) {
      throw badInput(`${source}: no accelerometer x, y, z columns among ${r.axes.join(', ')}`, { remedy: 'play back a recording with aX, aY, aZ (in g or m/s²)' });
    }
    const scale = idx.map((i) => gPerUnit(r.units[i] ?? 'g'));
    if (scale.some((s) => s === null)) {
      throw badInput(`${source}: accelerometer units ${idx.map((i) => r.units[i]).join(', ')} are not g or m/s²`, { remedy: 'declare the unit of the accelerometer columns (g or m/s²)' });
    }
    const na = r.axes.length;
    const frames = r.samples.length / na;
    const out = new Float32Array(frames * 3);
    for (let t = 0; t < frames; t++) {
      for (let k = 0; k < 3; k++) {
        const v = r.samples[t * na + idx[k]] * scale[k]!;
        out[t * 3 + k] = v;
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }
    }
    parts.push(out);
  }
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) (all.set(p, o), (o += p.length));
  if (all.length === 0) throw badInput(`${source} has no samples`, { remedy: 'check the file with tinyforge data inspect' });
  if (!(rateHz > 0 && rateHz <= 10_000)) throw badInput(`${source}: sample rate ${rateHz} Hz cannot be played back`, { remedy: 'declare the recording\'s rate (1–10000 Hz)' });
  const loop = opts.loop ?? true;
  let pos = 0;
  return {
    rateHz,
    lsbPerG: sensitivityFor(maxAbs),
    describe: () => `playback of ${source} (${all.length / 3} samples, ${rateHz} Hz${loop ? ', looped' : ''})`,
    take(n) {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        if (pos >= all.length) {
          if (!loop) break;
          pos = 0;
        }
        out.push(all[pos], all[pos + 1], all[pos + 2]);
        pos += 3;
      }
      return Float32Array.from(out);
    },
  };
}

/**
 * Samples a real-time sensor has produced `elapsedMs` after it started at `rateHz`: the first at
 * time 0, then one per period. Pacing from the start time (not per timer tick) never drifts.
 */
export function samplesDue(elapsedMs: number, rateHz: number): number {
  return elapsedMs < 0 ? 0 : Math.floor((elapsedMs * rateHz) / 1000) + 1;
}
