/**
 * Where the studio's live accelerometer samples come from, behind one interface so the live view,
 * predictions and recording never know:
 *  - `deviceImuSource`: the board's own IMU (STREAM_START → IMU_SAMPLES); on-board predictions
 *    arrive as PREDICTION events when the board does live detection.
 *  - `hostFedSimulatorSource`: for a board without an IMU (today's virtual board) the host plays
 *    the built-in simulator's signal for an activity and subject at its rate, feeds it to the board
 *    with SAMPLES_IN (the board windows it and predicts exactly as from an IMU) and hands the same
 *    samples to the studio as IMU_SAMPLES-shaped batches.
 * When the virtual board gets its simulated IMU (startVirtualBoard({ imu: { kind: 'simulated' } })),
 * switching is choosing `deviceImuSource` for it.
 */
import type { DeviceClient } from '../device/client.js';
import type { ImuSamplesMsg } from '../device/protocol.generated.js';
import { ACTIVITIES, builtinDataset } from '../data/simulator.js';
import { badInput } from '../core/errors.js';

export interface SampleSource {
  /** 'imu' or 'simulated (host-fed)': shown on the Device page. */
  readonly kind: string;
  /** Starts delivering batches to `onBatch`; resolves with the function that stops it. */
  start(client: DeviceClient, onBatch: (b: ImuSamplesMsg) => void, onError: (e: unknown) => void): Promise<() => Promise<void>>;
  /** Simulated sources only: what the simulated wearer does. */
  setActivity?(activity: string, subject?: number): void;
  readonly activity?: string;
  readonly subject?: number;
}

function checkActivity(a: string): void {
  if (!(ACTIVITIES as readonly string[]).includes(a)) throw badInput(`the simulator has no activity "${a}"`, { remedy: `pick one of ${ACTIVITIES.join(', ')}` });
}

/** What a board's simulated IMU lets the host change (the virtual board's, once it has one). */
export interface SimulatedImuControl {
  setActivity(activity: string): void;
}

/**
 * The board's own IMU. `simulated`: the board's IMU is a simulation the host can steer (the
 * virtual board's simulated IMU); the Live page then offers the activity picker.
 */
export function deviceImuSource(simulated?: SimulatedImuControl): SampleSource {
  let activity = 'idle';
  return {
    kind: simulated ? 'imu (simulated on the board)' : 'imu',
    get activity() {
      return simulated ? activity : undefined;
    },
    ...(simulated
      ? {
          setActivity(a: string) {
            checkActivity(a);
            simulated.setActivity(a);
            activity = a;
          },
        }
      : {}),
    async start(client, onBatch) {
      await client.reset();
      return client.stream(onBatch, 0);
    },
  };
}

export interface SimulatorSourceOptions {
  activity?: string;
  /** 1-based simulated subject. Default 1. */
  subject?: number;
  rateHz?: number;
  seed?: number;
  /** Pacing tick, ms. Default 100. */
  tickMs?: number;
}

const SIM_SUBJECTS = 5;

export function hostFedSimulatorSource(o: SimulatorSourceOptions = {}): SampleSource {
  const rateHz = Math.min(119, Math.max(50, o.rateHz ?? 50));
  // One minute per activity and subject, played in a loop.
  const recs = builtinDataset({ seed: o.seed ?? 7, subjects: SIM_SUBJECTS, secondsPerActivity: 60, rateHz, sessions: 1 });
  let activity = o.activity ?? 'idle';
  let subject = o.subject ?? 1;
  let signal = pick();
  let pos = 0;
  function pick(): Float32Array {
    const r = recs.find((x) => x.label === activity && x.group === `subject${String(subject).padStart(2, '0')}`);
    return r!.samples;
  }
  const src: SampleSource = {
    kind: 'simulated (host-fed)',
    get activity() {
      return activity;
    },
    get subject() {
      return subject;
    },
    setActivity(a: string, s?: number) {
      checkActivity(a);
      if (s !== undefined && !(Number.isInteger(s) && s >= 1 && s <= SIM_SUBJECTS)) throw badInput(`simulated subject must be 1–${SIM_SUBJECTS}`, { remedy: 'pick another subject' });
      activity = a;
      subject = s ?? subject;
      signal = pick();
      pos = 0;
    },
    async start(client, onBatch, onError) {
      await client.reset();
      const t0 = Date.now();
      let sent = 0;
      let stopped = false;
      // Samples are produced on the wall clock, as a sensor would, whatever the link does; the
      // board is fed from a queue, so a slow ACK delays its predictions, never the samples.
      const queue: Float32Array[] = [];
      let feeding = false;
      const feed = async () => {
        if (feeding) return;
        feeding = true;
        try {
          while (queue.length && !stopped) {
            const parts = queue.splice(0);
            const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
            let off = 0;
            for (const p of parts) all.set(p, (off += p.length) - p.length);
            await client.samplesIn(all);
          }
        } catch (e) {
          if (!stopped) {
            stopped = true;
            onError(e);
          }
        } finally {
          feeding = false;
        }
      };
      const tick = () => {
        if (stopped) return;
        const due = Math.floor(((Date.now() - t0) * rateHz) / 1000) - sent;
        if (due <= 0) return;
        const frames = signal.length / 3;
        const g = new Float32Array(due * 3);
        const mg = new Int16Array(due * 3);
        for (let i = 0; i < due; i++) {
          for (let k = 0; k < 3; k++) {
            const v = signal[pos * 3 + k];
            g[i * 3 + k] = v;
            mg[i * 3 + k] = Math.round(v * 1000);
          }
          pos = (pos + 1) % frames;
        }
        const first = sent;
        sent += due;
        onBatch({ firstSample: first, rateMilliHz: Math.round(rateHz * 1000), samplesMg: mg });
        queue.push(g);
        void feed();
      };
      const timer = setInterval(tick, o.tickMs ?? 100);
      return async () => {
        stopped = true;
        clearInterval(timer);
      };
    },
  };
  return src;
}
