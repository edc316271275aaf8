// The studio's Tune page data (GET /api/tune through the real fastify app): a search folder read
// as it stands while another process appends to it — counts, best, front — without touching the
// folder (a half-written last line stays as it is); no folder → 404 with the remedy.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStudioServer } from '../../src/studio/server.js';
import { makeBudget } from '../../src/tune/budget.js';
import type { TrialRecord } from '../../src/tune/search.js';
import { fakeSession, tempDir } from '../studio/helpers.js';

const cand = { frontEnd: 'raw', windowSeconds: 1, windowStride: 0.5, family: 'conv1d', depth: 1, width: 4, kernelSize: 3, pooling: 'max', learningRate: 0.003 } as const;
const rec = (id: number, status: TrialRecord['status'], acc?: number, instructions = 1000): TrialRecord => ({
  id, generation: 0, rung: 0, epochs: 1, seed: 1, candidate: { ...cand, width: id }, arch: String(id), status,
  ...(status !== 'failed' ? { figures: { flash: 10_000, ram: 12_000, arena: 400, instructions, latencyMs: instructions / 51_200 } } : {}),
  ...(acc !== undefined ? { accuracy: { val: { float: acc, int8: acc } } } : {}),
  ...(status === 'rejected' ? { reason: 'over budget: latency' } : {}),
});

function server(tuneDir: string | null) {
  const dist = tempDir('tf-tune-dist-');
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>studio</title>');
  mkdirSync(join(dist, 'assets'));
  const data = tempDir('tf-tune-data-');
  return createStudioServer({ session: fakeSession(data).session, datasetDir: data, modelDir: null, tuneDir, distDir: dist, host: '127.0.0.1', port: 5280 });
}

describe('studio: GET /api/tune', () => {
  const dir = tempDir('tf-tune-watch-');
  const s = server(dir);
  const none = server(null);
  afterAll(async () => {
    await s.app.close();
    await none.app.close();
  });
  const get = (srv: typeof s) => srv.app.inject({ method: 'GET', url: '/api/tune', headers: { host: '127.0.0.1:5280' } });

  it('a folder without a search yet says so', async () => {
    const r = await get(s);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ found: false, counts: { candidates: 0 } });
  });

  it('reads the search as it stands and leaves a half-written line alone', async () => {
    const budget = makeBudget({ board: 'nano33ble-sense-rev2', maxLatencyMs: 1 });
    writeFileSync(join(dir, 'search.json'), JSON.stringify({ search: 'x', tinyforgeVersion: '0', settings: { budget } }));
    const lines = [rec(1, 'done', 0.8, 2000), rec(2, 'done', 0.7, 1000), rec(3, 'rejected'), rec(4, 'failed'), rec(5, 'done', 0.6, 3000), { ...rec(1, 'done', 0.9, 2000), rung: 1 }];
    writeFileSync(join(dir, 'trials.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    appendFileSync(join(dir, 'trials.jsonl'), '{"id":6,"gener');
    const before = readFileSync(join(dir, 'trials.jsonl'), 'utf8');
    const r = await get(s);
    expect(r.statusCode).toBe(200);
    const v = r.json();
    expect(v.found).toBe(true);
    expect(v.budget.description).toContain('latency ≤ 1 ms');
    expect(v.counts).toEqual({ candidates: 5, trained: 3, rejected: 1, failed: 1 });
    expect(v.best.id).toBe(1);
    expect(v.best.rung).toBe(1);
    // #5 is dominated by #1 (less accurate, slower); #1 (most accurate) and #2 (fastest) are the front.
    expect(v.front.map((t: TrialRecord) => t.id)).toEqual([1, 2]);
    // Each trial named as the CLI and report name it (front-end and network), for the page to show.
    expect(v.best.label).toBe('conv1d 1×[k3 1], 1s, lr 0.003');
    expect(readFileSync(join(dir, 'trials.jsonl'), 'utf8')).toBe(before);
  });

  it('without --tune: 404 naming the flag', async () => {
    const r = await get(none);
    expect(r.statusCode).toBe(404);
    expect(r.json().remedy).toMatch(/--tune DIR/);
  });
});
