/**
 * Where the studio's live accelerometer samples come from, behind one interface so the live view,
 * predictions and recording never know:
 *  - `deviceImuSource`: the board's own IMU (STREAM_START → IMU_SAMPLES); on-board predictions
 *    arrive as PREDICTION events when the board does live detection.
 *    The virtual board's IMU is simulated on its sensor bus (startVirtualBoard({ imu: { kind:
 *    'simulated' } })): the same source, with the activity picker steering the simulation.
 */
import type { DeviceClient } from '../device/client.js';
import type { ImuSamplesMsg } from '../device/protocol.generated.js';
import { ACTIVITIES } from '../data/simulator.js';
import { badInput, usageError } from '../core/errors.js';

export interface SampleSource {
  /** 'imu' or 'simulated IMU on the board': shown on the Device page. */
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

/** Simulated people are numbered from 1 (the built-in dataset's "subject03" = 3); a bound keeps the number sane. */
export const MAX_SIMULATED_SUBJECT = 1000;

/**
 * The live-source API's body, `{ activity, subject? }`, checked: `activity` one of the simulator's
 * activities, `subject` (optional) a whole number 1…MAX_SIMULATED_SUBJECT. Anything else — NaN,
 * "3", 2.5, a missing activity — is a usage error (HTTP 400) naming the field.
 */
export function parseLiveSource(body: unknown): { activity: string; subject?: number } {
  const b = (body !== null && typeof body === 'object' ? body : {}) as { activity?: unknown; subject?: unknown };
  if (typeof b.activity !== 'string') throw usageError(`activity must be a string, got ${JSON.stringify(b.activity) ?? 'nothing'}`, { remedy: `send { "activity": "walking" } (one of ${ACTIVITIES.join(', ')})` });
  checkActivity(b.activity);
  if (b.subject === undefined) return { activity: b.activity };
  const n = b.subject;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SIMULATED_SUBJECT) {
    throw usageError(`subject must be a whole number from 1 to ${MAX_SIMULATED_SUBJECT}, got ${typeof n === 'number' ? String(n) : JSON.stringify(n)}`, { remedy: 'leave it out, or send e.g. { "activity": "walking", "subject": 3 }' });
  }
  return { activity: b.activity, subject: n };
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
    kind: simulated ? 'simulated IMU on the board' : 'imu',
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
