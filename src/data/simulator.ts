/**
 * The built-in dataset: a deterministic, seeded simulator of a wrist-worn 3-axis accelerometer
 * (a watch on the back of the wrist) during five activities. The signal model — frames, postures,
 * per-activity dynamics, per-subject variation, sensor effects — is documented in docs/data.md;
 * the constants below are its parameters.
 *
 * Output: one Recording per (subject, activity, session), axes aX/aY/aZ in g, sampled at `rateHz`,
 * clipped to ±4 g and quantised to a 16-bit ADC (8 g / 65536 = 0.122 mg per LSB). Subjects are the
 * groups ("subject01"…). Same options → identical samples, bit for bit.
 */
import type { Recording } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { mulberry32, type Rng } from './prng.js';

export const ACTIVITIES = ['idle', 'walking', 'running', 'biking', 'golfing'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export interface BuiltinOptions {
  /** PRNG seed (any integer). Default 1. */
  seed?: number;
  /** Number of simulated people (groups). Default 10. */
  subjects?: number;
  /** Seconds recorded per subject per activity. Default 60. */
  secondsPerActivity?: number;
  /** Output data rate in Hz, 50–119. Default 50. */
  rateHz?: number;
  /** Separate sessions (recordings) the seconds of each subject and activity are split into, each
   * with its own posture, strap shift and start-up transition. Default: one per 20 s, 1–3. */
  sessions?: number;
  /** Simulate even above BUILTIN_MAX_FRAMES (the stated bound). */
  force?: boolean;
  /** Called after each simulated recording: recordings done of total, frames done of total. */
  onProgress?: (p: { recordings: number; totalRecordings: number; frames: number; totalFrames: number }) => void;
}

/**
 * The most frames (sample instants) the simulator makes without `force`: 10 million, i.e. 55 h at
 * 50 Hz, 120 MB of samples and about twice that in 2 s / 1 s windows — 67 × the default dataset
 * (150,000 frames), and over a minute of simulation on a 2-core machine (~130,000 frames/s
 * measured). 1000 subjects × 3000 s is 750 million: hours and ~9 GB, refused unless forced.
 */
export const BUILTIN_MAX_FRAMES = 10_000_000;

/** What a built-in dataset costs before it is made: recordings, frames, bytes of samples. */
export function builtinWork(opts: BuiltinOptions = {}): { recordings: number; frames: number; sampleBytes: number } {
  const subjects = opts.subjects ?? BUILTIN_DEFAULTS.subjects;
  const seconds = opts.secondsPerActivity ?? BUILTIN_DEFAULTS.secondsPerActivity;
  const rateHz = opts.rateHz ?? BUILTIN_DEFAULTS.rateHz;
  const sessions = opts.sessions ?? Math.min(3, Math.max(1, Math.floor(seconds / 20)));
  const recordings = subjects * ACTIVITIES.length * sessions;
  const frames = recordings * Math.round((seconds / sessions) * rateHz);
  return { recordings, frames, sampleBytes: frames * 3 * 4 };
}

export const BUILTIN_DEFAULTS = { seed: 1, subjects: 10, secondsPerActivity: 60, rateHz: 50 } as const;

/** Full scale and resolution of the simulated ADC. */
export const FULL_SCALE_G = 4;
export const LSB_G = (2 * FULL_SCALE_G) / 65536;

const G = 9.80665;

/** Per-subject traits: how this person moves and how their watch sits. */
interface Subject {
  cadence: number; // multiplies every activity's base frequency
  vigour: number; // multiplies movement amplitudes
  mount: number[]; // 3×3 rotation forearm → sensor (row-major), the strap's angle on the wrist
  bias: number[]; // g, per sensor axis
  gain: number[]; // per sensor axis, ≈1
  noise: number; // g rms white noise
  armLength: number; // m, pivot (shoulder/elbow) to wrist
  walkHz: number;
  runHz: number;
  pedalHz: number;
}

export function builtinDataset(opts: BuiltinOptions = {}): Recording[] {
  const seed = opts.seed ?? BUILTIN_DEFAULTS.seed;
  const subjects = opts.subjects ?? BUILTIN_DEFAULTS.subjects;
  const seconds = opts.secondsPerActivity ?? BUILTIN_DEFAULTS.secondsPerActivity;
  const rateHz = opts.rateHz ?? BUILTIN_DEFAULTS.rateHz;
  if (!Number.isInteger(subjects) || subjects < 1 || subjects > 1000) {
    throw badInput(`builtin dataset: subjects must be an integer 1–1000, got ${subjects}`, { remedy: 'pass e.g. --subjects 10' });
  }
  if (!(seconds >= 4 && seconds <= 3600)) {
    throw badInput(`builtin dataset: secondsPerActivity must be 4–3600, got ${seconds}`, { remedy: 'pass e.g. 60' });
  }
  if (!(rateHz >= 50 && rateHz <= 119)) {
    throw badInput(`builtin dataset: rateHz must be within 50–119 Hz, got ${rateHz}`, {
      remedy: 'the simulated sensor runs at 50–119 Hz (default 50)',
    });
  }
  const sessions = opts.sessions ?? Math.min(3, Math.max(1, Math.floor(seconds / 20)));
  if (!Number.isInteger(sessions) || sessions < 1 || seconds / sessions < 4) {
    throw badInput(`builtin dataset: sessions must be a positive integer with ≥ 4 s each, got ${sessions} for ${seconds} s`, { remedy: 'use fewer sessions or more seconds' });
  }
  if (!Number.isFinite(seed)) throw badInput(`builtin dataset: seed must be a finite integer, got ${seed}`, { remedy: 'pass e.g. --seed 1' });
  const work = builtinWork({ ...opts, sessions });
  if (work.frames > BUILTIN_MAX_FRAMES && !opts.force) {
    throw badInput(
      `builtin dataset: ${subjects} subjects × ${ACTIVITIES.length} activities × ${seconds} s at ${rateHz} Hz is ${work.frames.toLocaleString('en')} samples (${(work.sampleBytes / 1e9).toFixed(1)} GB before windowing, about ${Math.ceil(work.frames / 130_000 / 60)} min to simulate at 130,000 samples/s), above the ${BUILTIN_MAX_FRAMES.toLocaleString('en')} made without asking`,
      { remedy: 'use fewer subjects or seconds (--subjects, --seconds, data.builtin), or force it (--force, data.builtin.force: true)', details: { frames: work.frames, maxFrames: BUILTIN_MAX_FRAMES } },
    );
  }
  const root = mulberry32(seed);
  let framesDone = 0;
  const out: Recording[] = [];
  for (let s = 0; s < subjects; s++) {
    const group = `subject${String(s + 1).padStart(2, '0')}`;
    const subject = makeSubject(root.fork(`subject/${s}`));
    for (const activity of ACTIVITIES) {
      for (let k = 0; k < sessions; k++) {
        const rng = root.fork(`recording/${s}/${activity}/${k}`);
        const frames = Math.round((seconds / sessions) * rateHz);
        out.push({
          label: activity,
          group,
          sampleRateHz: rateHz,
          axes: ['aX', 'aY', 'aZ'],
          units: ['g', 'g', 'g'],
          samples: simulate(activity, subject, rng, frames, rateHz),
          source: `builtin(seed=${seed}) ${group} ${activity} session ${k + 1}/${sessions}`,
        });
        framesDone += frames;
        opts.onProgress?.({ recordings: out.length, totalRecordings: work.recordings, frames: framesDone, totalFrames: work.frames });
      }
    }
  }
  return out;
}

/**
 * One session of one simulated person doing one activity: the samples (aX, aY, aZ in g, interleaved)
 * builtinDataset gives subject `subject` (0-based: group "subject01" is 0), `activity`, session
 * `session`, for the same seed, rate and frame count. Sessions past builtinDataset's own count are
 * further sessions of the same person, so a live stream can go on as long as it is read.
 */
export function simulateSession(opts: { seed?: number; subject: number; activity: Activity; session: number; frames: number; rateHz?: number }): Float32Array {
  const seed = opts.seed ?? BUILTIN_DEFAULTS.seed;
  const rateHz = opts.rateHz ?? BUILTIN_DEFAULTS.rateHz;
  if (!Number.isInteger(opts.subject) || opts.subject < 0 || opts.subject >= 1000) {
    throw badInput(`simulator: subject must be 1–1000, got ${opts.subject + 1}`, { remedy: 'pick a subject number, e.g. 1' });
  }
  if (!(ACTIVITIES as readonly string[]).includes(opts.activity)) {
    throw badInput(`simulator: unknown activity "${opts.activity}"`, { remedy: `pick one of ${ACTIVITIES.join(', ')}` });
  }
  if (!(rateHz >= 50 && rateHz <= 119)) throw badInput(`simulator: rate must be within 50–119 Hz, got ${rateHz}`, { remedy: 'the simulated sensor runs at 50–119 Hz (default 50)' });
  const root = mulberry32(seed);
  const subject = makeSubject(root.fork(`subject/${opts.subject}`));
  return simulate(opts.activity, subject, root.fork(`recording/${opts.subject}/${opts.activity}/${opts.session}`), opts.frames, rateHz);
}

function makeSubject(r: Rng): Subject {
  const cadence = r.uniform(0.9, 1.1);
  return {
    cadence,
    vigour: r.uniform(0.85, 1.15),
    // The strap sits a little differently on everyone: ~6° rms about each axis.
    mount: rotationMatrix(r.normal() * 0.1, r.normal() * 0.1, r.normal() * 0.1),
    bias: [r.normal() * 0.03, r.normal() * 0.03, r.normal() * 0.03],
    gain: [1 + r.normal() * 0.02, 1 + r.normal() * 0.02, 1 + r.normal() * 0.02],
    noise: r.uniform(0.004, 0.012),
    armLength: r.uniform(0.5, 0.7),
    walkHz: r.uniform(1.6, 2.2),
    runHz: r.uniform(2.5, 3.2),
    pedalHz: r.uniform(1.0, 1.6),
  };
}

/** Row-major R = Rz(yaw)·Ry(pitch)·Rx(roll) (angles in rad): maps body-frame vectors to world (z up). */
export function rotationMatrix(roll: number, pitch: number, yaw: number): number[] {
  const [cr, sr, cp, sp, cy, sy] = [Math.cos(roll), Math.sin(roll), Math.cos(pitch), Math.sin(pitch), Math.cos(yaw), Math.sin(yaw)];
  return [
    cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,
    sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,
    -sp, cp * sr, cp * cr,
  ];
}

/** Row-major 3×3 product a·b. */
function matMul(a: number[], b: number[]): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return out;
}

/** Ornstein–Uhlenbeck noise: stationary std `sigma`, correlation time `tau` seconds. */
function ou(r: Rng, n: number, dt: number, sigma: number, tau: number): Float64Array {
  const out = new Float64Array(n);
  const a = Math.exp(-dt / tau);
  const b = sigma * Math.sqrt(1 - a * a);
  let x = r.normal() * sigma;
  for (let i = 0; i < n; i++) {
    x = a * x + b * r.normal();
    out[i] = x;
  }
  return out;
}

/** Narrow-band noise around `hz` (a resonator driven by white noise), scaled to rms `sigma`. */
function resonant(r: Rng, n: number, rateHz: number, hz: number, q: number, sigma: number): Float64Array {
  const out = new Float64Array(n);
  const w = (2 * Math.PI * Math.min(hz, 0.45 * rateHz)) / rateHz;
  const rad = Math.exp(-w / (2 * q));
  let y1 = 0;
  let y2 = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const y = 2 * rad * Math.cos(w) * y1 - rad * rad * y2 + r.normal();
    out[i] = y;
    y2 = y1;
    y1 = y;
    ss += y * y;
  }
  const k = sigma / Math.sqrt(ss / Math.max(1, n) || 1);
  for (let i = 0; i < n; i++) out[i] *= k;
  return out;
}

/**
 * Like `ou` but twice low-passed (time constant `smoothS`), so it has a bounded second derivative:
 * posture angles built from it give finite rotational accelerations at any sample rate.
 */
function smoothOu(r: Rng, n: number, dt: number, sigma: number, tau: number, smoothS = 0.3): Float64Array {
  const x = ou(r, n, dt, sigma, tau);
  const k = 1 - Math.exp(-dt / smoothS);
  for (let pass = 0; pass < 2; pass++) {
    let y = x[0];
    for (let i = 0; i < n; i++) x[i] = y += k * (x[i] - y);
  }
  return x;
}

/** A smooth bump: sin² over [0, 1], zero value and slope at both ends. */
const bump = (u: number): number => (u <= 0 || u >= 1 ? 0 : Math.sin(Math.PI * u) ** 2);

/** Adds `shape(t)` (t in s from the event's start, non-zero for `durS`) with random sign and
 * amplitude up to `amp` at Poisson times, `perSecond` on average. */
function addEvents(r: Rng, target: Float64Array, rateHz: number, perSecond: number, amp: number, durS: number, shape: (t: number) => number): void {
  const n = target.length;
  let t = -Math.log(1 - r.next()) / perSecond;
  while (t * rateHz < n) {
    const start = Math.floor(t * rateHz);
    const a = amp * r.uniform(0.4, 1) * (r.next() < 0.5 ? -1 : 1);
    const len = Math.min(n - start, Math.ceil(durS * rateHz));
    for (let k = 0; k < len; k++) target[start + k] += a * shape(k / rateHz);
    t += -Math.log(1 - r.next()) / perSecond;
  }
}

const smoothstep = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

/**
 * One recording. Builds, per frame, the forearm's pitch θ (hand below horizontal, rad) and roll φ
 * (about the forearm), the world-frame linear acceleration (forward, left, up; g), then the
 * specific force in the forearm frame including the rotational terms of a wrist on an arm of
 * length L (centripetal −Lθ'² along the forearm, tangential −Lθ'' across it), the strap's mount
 * rotation and the sensor's gain, bias, noise, clipping and quantisation.
 */
function simulate(activity: Activity, s: Subject, r: Rng, n: number, rateHz: number): Float32Array {
  const dt = 1 / rateHz;
  const pitch = new Float64Array(n);
  const roll = new Float64Array(n);
  const fwd = new Float64Array(n);
  const up = new Float64Array(n);
  const side = new Float64Array(n);
  const v = s.vigour * r.uniform(0.9, 1.1);
  // The first seconds are a transition from standing still into the activity.
  const transS = r.uniform(1, 3);
  const ramp = (i: number) => smoothstep(i * dt / transS);
  const driftP = smoothOu(r, n, dt, 0.06, 4);
  const driftR = ou(r, n, dt, 0.08, 6);
  const jitter = ou(r, n, dt, 0.025, 3); // slow cadence variation (fraction)
  let phase = r.uniform(0, 2 * Math.PI);

  // Posture at rest before the transition: standing, arm hanging.
  const p0 = 1.35;
  const r0 = 0;
  let postureP: number;
  let postureR: number;
  switch (activity) {
    case 'idle': {
      // Sitting (wrist on a desk or lap) or standing with the arm hanging, then fidgets.
      const standing = r.next() < 0.2;
      postureP = standing ? r.uniform(1.1, 1.5) : r.uniform(-0.35, 0.6);
      postureR = standing ? r.uniform(-0.5, 0.5) : r.uniform(-1.3, 1.3);
      // Fidgets: smooth 0.4–1.2 s excursions of the wrist.
      const fidgetS = r.uniform(0.5, 1.2);
      addEvents(r, pitch, rateHz, 0.08, 0.25 * v, fidgetS, (t) => bump(t / fidgetS));
      addEvents(r, roll, rateHz, 0.06, 0.35 * v, fidgetS, (t) => bump(t / fidgetS));
      const tremor = resonant(r, n, rateHz, r.uniform(8, 11), 4, 0.004 * v);
      for (let i = 0; i < n; i++) {
        const w = ramp(i);
        pitch[i] = p0 + (postureP - p0) * w + driftP[i] * 0.5 + pitch[i];
        roll[i] = r0 + (postureR - r0) * w + driftR[i] * 0.5 + roll[i];
        up[i] = tremor[i];
      }
      break;
    }
    case 'walking':
    case 'running': {
      const running = activity === 'running';
      const baseHz = (running ? s.runHz : s.walkHz) * r.uniform(0.96, 1.04);
      // Running: elbow bent, forearm near horizontal, shorter lever, bigger impacts.
      postureP = running ? r.uniform(-0.1, 0.7) : r.uniform(0.95, 1.45);
      postureR = running ? r.uniform(0.3, 1.3) : r.uniform(-0.4, 0.4);
      const swing = (running ? r.uniform(0.35, 0.6) : r.uniform(0.3, 0.5)) * v;
      const impact = (running ? r.uniform(0.9, 1.6) : r.uniform(0.25, 0.45)) * v;
      const h2 = r.uniform(0.2, 0.5);
      const h3 = running ? r.uniform(0.2, 0.45) : r.uniform(0.05, 0.2);
      const ph2 = r.uniform(0, 2 * Math.PI);
      const ph3 = r.uniform(0, 2 * Math.PI);
      const irregular = ou(r, n, dt, running ? 0.12 : 0.08, 0.5);
      for (let i = 0; i < n; i++) {
        const w = ramp(i);
        phase += 2 * Math.PI * baseHz * (1 + jitter[i]) * dt;
        // Arms swing once per stride (two steps); the body bounces once per step.
        pitch[i] = p0 + (postureP - p0) * w + w * swing * Math.sin(phase / 2) + driftP[i] * 0.3;
        roll[i] = r0 + (postureR - r0) * w + w * 0.3 * swing * Math.sin(phase / 2 + 0.7) + driftR[i] * 0.3;
        const bounce = Math.sin(phase) + h2 * Math.sin(2 * phase + ph2) + h3 * Math.sin(3 * phase + ph3);
        up[i] = w * impact * (0.6 * bounce * (1 + irregular[i]));
        fwd[i] = w * impact * 0.35 * Math.sin(phase + 1.1) * (1 + irregular[i]);
        side[i] = w * impact * 0.2 * Math.sin(phase / 2 + 0.3);
      }
      break;
    }
    case 'biking': {
      // Hands on the bar: forearm forward and down, little arm motion; pedalling rocks the body
      // and the road shakes the bar.
      const pedal = s.pedalHz * r.uniform(0.92, 1.08);
      postureP = r.uniform(0.1, 0.8);
      postureR = r.uniform(0.1, 1.4);
      const rock = r.uniform(0.05, 0.1) * v;
      const road = resonant(r, n, rateHz, r.uniform(10, 20), 2, r.uniform(0.06, 0.15));
      const roadSide = resonant(r, n, rateHz, r.uniform(10, 20), 2, r.uniform(0.02, 0.06));
      const bumps = new Float64Array(n);
      const bumpHz = r.uniform(4, 8);
      addEvents(r, bumps, rateHz, r.uniform(0.1, 0.5), 0.5, 0.5, (t) => Math.exp(-t / 0.12) * Math.sin(2 * Math.PI * bumpHz * t));
      const steer = smoothOu(r, n, dt, 0.05, 1.5);
      for (let i = 0; i < n; i++) {
        const w = ramp(i);
        phase += 2 * Math.PI * pedal * (1 + jitter[i]) * dt;
        pitch[i] = p0 + (postureP - p0) * w + driftP[i] * 0.4 + w * 0.02 * Math.sin(phase);
        roll[i] = r0 + (postureR - r0) * w + driftR[i] * 0.4 + w * steer[i];
        up[i] = w * (rock * Math.sin(2 * phase) + road[i] + bumps[i]);
        fwd[i] = w * rock * 0.6 * Math.sin(phase + 0.4);
        side[i] = w * (rock * 0.5 * Math.sin(phase) + roadSide[i]);
      }
      break;
    }
    case 'golfing': {
      // Standing at address, arms hanging forward; a pre-shot waggle, then a full swing every few
      // seconds: slow backswing, very fast downswing and follow-through, relaxed return.
      postureP = r.uniform(0.8, 1.35);
      postureR = r.uniform(-0.4, 0.4);
      for (let i = 0; i < n; i++) {
        const w = ramp(i);
        pitch[i] = p0 + (postureP - p0) * w + driftP[i] * 0.5;
        roll[i] = r0 + (postureR - r0) * w + driftR[i] * 0.5;
      }
      // Between shots a golfer is never quite still: handling the club (regrips, small wrist
      // turns) and body sway — more motion than a person at rest, much less than walking.
      const handleS = r.uniform(0.6, 1.0);
      addEvents(r, roll, rateHz, 0.35, 0.3 * v, handleS, (t) => bump(t / handleS));
      addEvents(r, pitch, rateHz, 0.3, 0.15 * v, handleS, (t) => bump(t / handleS));
      const swayF = smoothOu(r, n, dt, 0.02, 1.5, 0.15);
      const swayS = smoothOu(r, n, dt, 0.015, 1.5, 0.15);
      for (let i = 0; i < n; i++) {
        fwd[i] += swayF[i];
        side[i] += swayS[i];
      }
      let t = transS + r.uniform(1, 6);
      while (true) {
        const back = r.uniform(0.7, 1.0);
        const down = r.uniform(0.3, 0.45);
        const settle = r.uniform(0.8, 1.4);
        const waggle = r.uniform(1, 2);
        const start = Math.round((t + waggle) * rateHz);
        const total = Math.round((back + down + settle) * rateHz);
        if (start + total >= n) break;
        const wagAmp = r.uniform(0.05, 0.15) * v;
        const wagHz = r.uniform(1, 1.8);
        for (let i = Math.round(t * rateHz); i < start; i++) {
          const tt = i * dt - t;
          pitch[i] += wagAmp * bump(tt / waggle) * Math.sin(2 * Math.PI * wagHz * tt);
        }
        const B = r.uniform(2.0, 2.8) * Math.min(1.15, v);
        const F = r.uniform(1.8, 2.6) * Math.min(1.15, v);
        const turn = r.uniform(0.6, 1.2);
        for (let k = 0; k < total; k++) {
          const tt = k * dt;
          let d: number;
          if (tt < back) d = -B * smoothstep(tt / back);
          else if (tt < back + down) d = -B + (B + F) * smoothstep((tt - back) / down);
          else d = F * (1 - smoothstep((tt - back - down) / settle));
          pitch[start + k] += d;
          roll[start + k] += (turn * d) / Math.max(B, F);
        }
        t += waggle + back + down + settle + r.uniform(2, 7);
      }
      break;
    }
  }

  const out = new Float32Array(n * 3);
  const L = s.armLength * (activity === 'running' ? 0.6 : 1);
  // The watch shifts a little between sessions: a fresh small rotation on top of the subject's.
  const m = matMul(s.mount, rotationMatrix(r.normal() * 0.1, r.normal() * 0.1, r.normal() * 0.1));
  const white = () => r.normal() * s.noise;
  for (let i = 0; i < n; i++) {
    const th = pitch[i];
    const ph = roll[i];
    // Central differences; the ends reuse their neighbour.
    const ip = Math.min(n - 1, i + 1);
    const im = Math.max(0, i - 1);
    const thDot = (pitch[ip] - pitch[im]) / ((ip - im) * dt || dt);
    const thDDot = ip - im === 2 ? (pitch[ip] - 2 * th + pitch[im]) / (dt * dt) : 0;
    // World specific force: gravity reaction (+1 g up) plus linear acceleration.
    const wx = fwd[i];
    const wy = side[i];
    const wz = 1 + up[i];
    // Into the forearm frame: R(φ,θ,0)ᵀ · w.
    const R = rotationMatrix(ph, th, 0);
    let fx = R[0] * wx + R[3] * wy + R[6] * wz;
    let fy = R[1] * wx + R[4] * wy + R[7] * wz;
    let fz = R[2] * wx + R[5] * wy + R[8] * wz;
    fx += (-L * thDot * thDot) / G;
    fz += (-L * thDDot) / G;
    // Strap mount (forearm → sensor), then the sensor itself.
    const sx = m[0] * fx + m[3] * fy + m[6] * fz;
    const sy = m[1] * fx + m[4] * fy + m[7] * fz;
    const sz = m[2] * fx + m[5] * fy + m[8] * fz;
    out[i * 3] = adc(sx * s.gain[0] + s.bias[0] + white());
    out[i * 3 + 1] = adc(sy * s.gain[1] + s.bias[1] + white());
    out[i * 3 + 2] = adc(sz * s.gain[2] + s.bias[2] + white());
  }
  return out;
}

/** A 16-bit ADC at ±4 g: round to the LSB, saturate at the rails. */
function adc(g: number): number {
  const code = Math.max(-32768, Math.min(32767, Math.round(g / LSB_G)));
  return code * LSB_G;
}
