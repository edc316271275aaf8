// The studio's recording-edit API (fastify.inject, no browser): samples for the waveform, crop,
// split and the window spectrum, with typed 400 answers (message + remedy) for bad input, names
// outside the dataset folder refused, and the list's durations agreeing with the new files. No
// model folder: the shortest piece is 2 s (100 samples at the 50 Hz of writeRecording).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { injectServer, writeRecording } from './helpers.js';
import type { DatasetListing } from '../../src/studio/wire.js';

const HOST = { host: '127.0.0.1:5280' };
const FILE = 'walking.alice.20261207T120000.csv';

function setup() {
  const s = injectServer();
  writeRecording(s.data, FILE, 'walking', 'alice', 500);
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await s.app.inject({ method, url, headers: payload === undefined ? HOST : { ...HOST, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: r.statusCode, body: r.json() };
  };
  return { s, call };
}

describe('recording edit API', () => {
  it('samples: one column per axis, the rate, and seconds as the list counts them', async () => {
    const { call } = setup();
    const r = await call('GET', `/api/recordings/${FILE}/samples`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ file: FILE, label: 'walking', group: 'alice', sampleRateHz: 50, samples: 500, seconds: 10, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], windowSamples: 100 });
    expect(r.body.columns.map((c: number[]) => c.length)).toEqual([500, 500, 500]);
    expect(r.body.columns[2][0]).toBe(1); // writeRecording's rows are 0,0,1
    const list = (await call('GET', '/api/recordings')).body as DatasetListing;
    expect(list.recordings[0].seconds).toBe(r.body.seconds);
  });

  it('crop → a new recording in the list with the kept duration, the original moved to .originals/', async () => {
    const { s, call } = setup();
    const r = await call('POST', `/api/recordings/${FILE}/crop`, { start: 100, end: 350 });
    expect(r.status).toBe(200);
    const name = 'walking.alice.20261207T120000-crop.csv';
    expect(r.body.result.pieces).toEqual([{ file: name, start: 100, end: 350, samples: 250, seconds: 5 }]);
    const list = r.body.listing as DatasetListing;
    expect(list.recordings.map((x) => [x.file, x.samples, x.seconds])).toEqual([[name, 250, 5]]);
    expect(list.byLabel.walking).toMatchObject({ recordings: 1, samples: 250, seconds: 5 });
    expect(existsSync(join(s.data, '.originals', FILE))).toBe(true);
    // A studio-named piece still relabels to its new label (the name never contradicts it).
    const p = await s.app.inject({ method: 'PATCH', url: `/api/recordings/${name}`, headers: { ...HOST, 'content-type': 'application/json' }, payload: { label: 'running' } });
    expect((p.json() as DatasetListing).recordings[0].file).toBe('running.alice.20261207T120000-crop.csv');
  });

  it('split at points and every N samples', async () => {
    const { call } = setup();
    const r = await call('POST', `/api/recordings/${FILE}/split`, { at: [200] });
    expect(r.status).toBe(200);
    expect(r.body.result.pieces.map((p: { samples: number }) => p.samples)).toEqual([200, 300]);
    const second = r.body.result.pieces[1].file as string;
    const e = await call('POST', `/api/recordings/${second}/split`, { every: 100 });
    expect(e.body.result.pieces.map((p: { samples: number }) => p.samples)).toEqual([100, 100, 100]);
    expect((e.body.listing as DatasetListing).recordings.map((x) => x.samples).reduce((a, b) => a + b)).toBe(500);
  });

  it('bad input: 400 with the message and a remedy, nothing changed', async () => {
    const { s, call } = setup();
    const short = await call('POST', `/api/recordings/${FILE}/crop`, { start: 0, end: 50 });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ error: 'bad-input' });
    expect(short.body.message).toMatch(/fewer than one window \(100 samples, 2\.00 s\)/);
    expect(short.body.remedy).toMatch(/keep at least 2\.00 s/);
    const out = await call('POST', `/api/recordings/${FILE}/split`, { at: [600] });
    expect(out.status).toBe(400);
    expect(out.body.message).toMatch(/outside the recording/);
    expect((await call('POST', `/api/recordings/${FILE}/crop`, { start: 'x', end: 10 })).body.message).toMatch(/whole sample index/);
    expect((await call('POST', `/api/recordings/${FILE}/split`, {})).body.message).toMatch(/no split point/);
    expect((await call('POST', '/api/recordings/..%2Fetc.csv/crop', { start: 0, end: 200 })).body.message).toMatch(/not a recording file name/);
    expect((await call('GET', '/api/recordings/nope.csv/samples')).status).toBe(400);
    // Another site's page cannot crop through the user's browser (the Origin check covers these routes too).
    const foreign = await s.app.inject({ method: 'POST', url: `/api/recordings/${FILE}/crop`, headers: { ...HOST, origin: 'http://evil.example', 'content-type': 'application/json' }, payload: { start: 0, end: 200 } });
    expect(foreign.statusCode).toBe(403);
    expect(((await call('GET', '/api/recordings')).body as DatasetListing).recordings.map((x) => x.file)).toEqual([FILE]);
  });

  it('spectrum: the default spectral block on a 2 s window; a window past the end is refused', async () => {
    const { call } = setup();
    const r = await call('GET', `/api/recordings/${FILE}/spectrum?start=100`);
    expect(r.status).toBe(200);
    // Defaults: FFT 64, low-pass 8 Hz → bins 1…10 at 50 Hz; a 100-sample window with hop 32 → 2 frames.
    expect(r.body).toMatchObject({ start: 100, windowLength: 100, paramsFrom: 'defaults', frames: 2, bins: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    const bad = await call('GET', `/api/recordings/${FILE}/spectrum?start=450`);
    expect(bad.status).toBe(400);
    expect(bad.body.remedy).toMatch(/start the window between 0 and 8\.00 s/);
  });
});
