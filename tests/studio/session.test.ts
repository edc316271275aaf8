// The studio's device session on the in-memory fake board (IMU at 100 Hz): live samples arrive and
// are counted, a recording is the capture format `tinyforge data` reads, an unplug mid-recording
// keeps what arrived and shows 'disconnected', and the recordings listing totals them.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCaptureCsv } from '../../src/data/import/index.js';
import { listRecordings, relabelRecording } from '../../src/studio/recordings.js';
import type { StudioEvent } from '../../src/studio/wire.js';
import { DeviceSession, classProbabilities } from '../../src/studio/device-session.js';
import { FakeDevice } from '../support/fake-device.js';
import { FakeTransport } from '../support/fake-transport.js';
import { deviceImuSource } from '../../src/studio/sample-source.js';
import { fakeSession, tempDir, writeRecording } from './helpers.js';

const until = async (f: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('DeviceSession on the fake board', () => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => close?.());

  it('streams, records in the capture format, and keeps the recording when unplugged', async () => {
    const dir = tempDir('tf-studio-rec-');
    const f = fakeSession(dir);
    close = () => f.session.close();
    const events: StudioEvent[] = [];
    f.session.events.add((e) => events.push(e));
    await f.session.connect();
    expect(f.session.view()).toMatchObject({ state: 'connected', info: { board: 'fake' }, source: { kind: 'imu' } });
    await until(() => f.session.view().stats.samples >= 20);
    expect(events.some((e) => e.t === 'samples' && e.rateHz === 100)).toBe(true);

    const r = await f.session.record('walking', 'alice', 0.3);
    expect(r.stopReason).toBe('time');
    expect(r.samples).toBe(30); // 0.3 s of a 100 Hz sensor
    const csv = readFileSync(join(dir, r.file), 'utf8');
    const side = readFileSync(join(dir, r.file + '.json'), 'utf8');
    const imported = importCaptureCsv(csv, side);
    const frames = imported.recordings.reduce((a, x) => a + x.samples.length / 3, 0);
    expect(frames).toBe(r.samples); // every sample the session counted is in the file
    expect(imported.recordings[0]).toMatchObject({ label: 'walking', group: 'alice', sampleRateHz: 100 });

    // Unplug half-way through a 5 s recording: it ends at once with what arrived.
    const rec = f.session.record('running', 'alice', 5);
    await until(() => events.some((e) => e.t === 'record' && e.phase === 'started' && e.label === 'running'));
    const at = f.session.view().stats.samples;
    await until(() => f.session.view().stats.samples >= at + 10); // some samples into the recording
    f.transport()!.unplug();
    const cut = await rec;
    expect(cut.stopReason).toBe('link closed');
    expect(cut.samples).toBeGreaterThan(0);
    expect(f.session.view().state).toBe('disconnected');
    expect(events.filter((e) => e.t === 'status').at(-1)).toMatchObject({ device: { state: 'disconnected' } });
    expect(JSON.parse(readFileSync(join(dir, cut.file + '.json'), 'utf8'))).toMatchObject({ label: 'running', stopReason: 'link closed', samples: cut.samples });
    await expect(f.session.record('idle', 'alice', 1)).rejects.toThrow(/no board connected/);

    // Reconnect after the unplug.
    await f.session.connect();
    expect(f.session.view().state).toBe('connected');
  });

  it('listing: per-class and per-subject totals and the balance (hand-computed)', () => {
    const dir = tempDir('tf-studio-list-');
    writeRecording(dir, 'w1.csv', 'walking', 'alice', 150);
    writeRecording(dir, 'w2.csv', 'walking', 'bob', 50);
    writeRecording(dir, 'i1.csv', 'idle', 'alice', 200);
    const l = listRecordings(dir);
    expect(l.recordings.map((r) => r.file)).toEqual(['i1.csv', 'w1.csv', 'w2.csv']);
    // walking 200 of 400 samples, idle 200 of 400; at 50 Hz 200 samples = 4 s.
    expect(l.byLabel).toEqual({ walking: { recordings: 2, samples: 200, seconds: 4 }, idle: { recordings: 1, samples: 200, seconds: 4 } });
    expect(l.bySubject).toEqual({ alice: { recordings: 2, samples: 350, seconds: 7 }, bob: { recordings: 1, samples: 50, seconds: 1 } });
    expect(l.balance).toEqual({ walking: 0.5, idle: 0.5 });
  });
});

describe('classProbabilities', () => {
  it('softmax outputs pass through; logits are softmaxed (hand-computed)', () => {
    expect(classProbabilities([0.25, 0.75])).toEqual({ probs: [0.25, 0.75], fromLogits: false });
    // softmax([0, ln 3]) = [1/4, 3/4]
    const r = classProbabilities([0, Math.log(3)]);
    expect(r.fromLogits).toBe(true);
    expect(r.probs[0]).toBeCloseTo(0.25, 12);
    expect(r.probs[1]).toBeCloseTo(0.75, 12);
    expect(classProbabilities([6.8, -3.8]).fromLogits).toBe(true);
  });
});

describe('sample sources', () => {
  it('a board-side simulated IMU is steered through its control; unknown activities are refused', () => {
    const seen: string[] = [];
    const src = deviceImuSource({ setActivity: (a) => seen.push(a) });
    expect(src.kind).toMatch(/simulated/);
    src.setActivity!('walking');
    expect(seen).toEqual(['walking']);
    expect(src.activity).toBe('walking');
    expect(() => src.setActivity!('flying')).toThrow(/no activity "flying"/);
    expect(deviceImuSource().setActivity).toBeUndefined();
  });
});

describe('recordings: relabel, durations, the simulated wearer', () => {
  it('relabel renames a studio-named file with the new label and subject (sidecar follows); other names stay', async () => {
    const dir = tempDir('tf-studio-relabel-');
    writeRecording(dir, 'walking.alice.20261207T050000.csv', 'walking', 'alice', 50);
    const name = relabelRecording(dir, 'walking.alice.20261207T050000.csv', 'running');
    expect(name).toBe('running.alice.20261207T050000.csv');
    const l = listRecordings(dir);
    expect(l.recordings.map((r) => [r.file, r.label, r.group])).toEqual([['running.alice.20261207T050000.csv', 'running', 'alice']]);
    expect(JSON.parse(readFileSync(join(dir, name + '.json'), 'utf8')).file).toBe(name);
    expect(relabelRecording(dir, name, 'running', 'bob')).toBe('running.bob.20261207T050000.csv');
    // A name the studio did not make (tinyforge capture --out walk.csv) keeps its name.
    writeRecording(dir, 'walk.csv', 'walking', 'carol', 10);
    expect(relabelRecording(dir, 'walk.csv', 'idle')).toBe('walk.csv');
    expect(listRecordings(dir).recordings.find((r) => r.file === 'walk.csv')!.label).toBe('idle');
  });

  it('a recording\'s duration is the same in the list and in the totals (samples at the sensor rate)', () => {
    const dir = tempDir('tf-studio-dur-');
    writeRecording(dir, 'a.csv', 'walking', 'alice', 150, 50);
    // The sidecar's wall-clock seconds (first to last batch on the host) disagree with 150 samples at 50 Hz.
    const side = JSON.parse(readFileSync(join(dir, 'a.csv.json'), 'utf8'));
    writeFileSync(join(dir, 'a.csv.json'), JSON.stringify({ ...side, seconds: 2.1 }));
    const l = listRecordings(dir);
    expect(l.recordings[0].seconds).toBe(3);
    expect(l.byLabel.walking.seconds).toBe(3);
  });

  it('recording never switches the simulated wearer; a label other than what plays is kept, with a warning', async () => {
    const dir = tempDir('tf-studio-wearer-');
    const seen: string[] = [];
    const device = new FakeDevice({ engine: () => new Uint8Array(2), info: { inputBytes: 12, outputBytes: 2, board: 'fake', engine: 'test', labels: ['still', 'moving'], numClasses: 2 }, imuRateHz: 100 });
    const session = new DeviceSession({ description: 'fake', open: async () => ({ transport: new FakeTransport(device) }) }, deviceImuSource({ setActivity: (a) => seen.push(a) }), { datasetDir: dir });
    try {
      await session.connect();
      const r = await session.record('running', 'alice', 0.2);
      expect(seen).toEqual([]); // the wearer was not switched
      expect(r.warning).toMatch(/the simulated wearer is idle; this recording holds idle data labelled "running"/);
      const odd = await session.record('jumping jacks', 'alice', 0.2);
      expect(seen).toEqual([]);
      expect(odd.warning).toMatch(/labelled "jumping jacks"/);
      const same = await session.record('idle', 'alice', 0.2);
      expect(same.warning).toBeUndefined();
    } finally {
      await session.close();
    }
  });
});
