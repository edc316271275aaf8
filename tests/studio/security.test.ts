// The studio's request checks, through the real fastify app (fastify.inject, and fastify's injected
// upgrade path for WebSockets). Expected outcomes come from the rules in src/studio/security.ts:
// Host must be the listen address or a loopback name with the port; Origin, when present (and
// always on an upgrade), the app's own; recording names plain files inside the dataset folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowedHosts, checkRequest, fileNamePart, recordingPath } from '../../src/studio/security.js';
import { createStudioServer } from '../../src/studio/server.js';
import { fakeSession, injectServer, tempDir, writeRecording } from './helpers.js';
import { connect, type AddressInfo } from 'node:net';
import { DeviceSession } from '../../src/studio/device-session.js';
import { deviceImuSource } from '../../src/studio/sample-source.js';

describe('checkRequest (pure)', () => {
  const hosts = allowedHosts('127.0.0.1', 5280);
  it('accepts the loopback names with the port and nothing else', () => {
    expect([...hosts].sort()).toEqual(['127.0.0.1:5280', '[::1]:5280', 'localhost:5280']);
    for (const host of ['127.0.0.1:5280', 'localhost:5280', 'LOCALHOST:5280']) expect(checkRequest({ host, origin: undefined, upgrade: false }, hosts)).toBeNull();
    for (const host of ['evil.example:5280', '127.0.0.1:80', '127.0.0.1', undefined]) expect(checkRequest({ host, origin: undefined, upgrade: false }, hosts)?.status).toBe(421);
  });
  it('a non-loopback listen address is added; a wildcard is not a name', () => {
    expect(allowedHosts('192.168.1.5', 80).has('192.168.1.5:80')).toBe(true);
    expect(allowedHosts('0.0.0.0', 80).has('0.0.0.0:80')).toBe(false);
  });
  it('Origin must be the app; upgrades need one; cross-site fetch metadata is refused', () => {
    const host = '127.0.0.1:5280';
    expect(checkRequest({ host, origin: 'http://127.0.0.1:5280', upgrade: true }, hosts)).toBeNull();
    expect(checkRequest({ host, origin: 'http://localhost:5280', upgrade: false }, hosts)).toBeNull();
    expect(checkRequest({ host, origin: 'http://evil.example', upgrade: false }, hosts)?.status).toBe(403);
    expect(checkRequest({ host, origin: 'http://127.0.0.1:5281', upgrade: false }, hosts)?.status).toBe(403);
    expect(checkRequest({ host, origin: 'null', upgrade: false }, hosts)?.status).toBe(403);
    expect(checkRequest({ host, origin: undefined, upgrade: true }, hosts)?.status).toBe(403);
    expect(checkRequest({ host, origin: undefined, secFetchSite: 'cross-site', upgrade: false }, hosts)?.status).toBe(403);
  });
  it('recordingPath: plain .csv names inside the folder only', () => {
    const d = '/data/rec';
    expect(recordingPath(d, 'walking.me.20260101T000000.csv')).toBe('/data/rec/walking.me.20260101T000000.csv');
    for (const bad of ['../x.csv', '..%2Fx.csv', 'a/b.csv', '/etc/passwd', 'x.csv/../../y.csv', '..csv', 'x.json', '.hidden.csv', 'a\u0000.csv', 'a..b.csv', '']) expect(recordingPath(d, bad), bad).toBeNull();
  });
  it('fileNamePart keeps only safe characters', () => {
    expect(fileNamePart('walking')).toBe('walking');
    expect(fileNamePart('../../etc')).toBe('etc');
    expect(fileNamePart('<img src=x>')).toBe('img_src_x');
    expect(fileNamePart('///')).toBe('x');
  });
});

describe('studio server (fastify.inject)', () => {
  const s = injectServer();
  afterAll(() => s.app.close());
  const get = (url: string, headers: Record<string, string>) => s.app.inject({ method: 'GET', url, headers });

  it('serves the app and the API to its own Host', async () => {
    expect((await get('/', { host: '127.0.0.1:5280' })).statusCode).toBe(200);
    const r = await get('/api/device', { host: 'localhost:5280' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ state: 'disconnected' });
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });
  it('refuses a foreign Host (DNS rebinding) on pages and API', async () => {
    for (const url of ['/', '/api/device', '/api/recordings']) {
      const r = await get(url, { host: 'evil.example:5280' });
      expect(r.statusCode, url).toBe(421);
      expect(r.body).toMatch(/refused: Host/);
    }
  });
  it('refuses a foreign Origin, also for state-changing requests', async () => {
    expect((await get('/api/device', { host: '127.0.0.1:5280', origin: 'http://evil.example' })).statusCode).toBe(403);
    writeRecording(s.data, 'a.me.1.csv', 'walking', 'me', 10);
    const del = await s.app.inject({ method: 'DELETE', url: '/api/recordings/a.me.1.csv', headers: { host: '127.0.0.1:5280', origin: 'http://evil.example' } });
    expect(del.statusCode).toBe(403);
    expect(existsSync(join(s.data, 'a.me.1.csv'))).toBe(true);
  });
  it('no path traversal through recording names', async () => {
    const outside = tempDir('tf-studio-outside-');
    writeRecording(outside, 'victim.csv', 'x', 'y', 3);
    const rel = `..%2F${outside.split('/').pop()}%2Fvictim.csv`;
    for (const url of [`/api/recordings/${rel}`, '/api/recordings/..%2F..%2Fetc%2Fpasswd', '/api/recordings/%2Fetc%2Fpasswd.csv']) {
      const r = await s.app.inject({ method: 'DELETE', url, headers: { host: '127.0.0.1:5280' } });
      expect(r.statusCode, url).toBe(400);
      const p = await s.app.inject({ method: 'PATCH', url, headers: { host: '127.0.0.1:5280', 'content-type': 'application/json' }, payload: { label: 'pwned' } });
      expect(p.statusCode, url).toBe(400);
    }
    expect(existsSync(join(outside, 'victim.csv'))).toBe(true);
    expect(JSON.parse(readFileSync(join(outside, 'victim.csv.json'), 'utf8')).label).toBe('x');
  });
  it('relabel and delete work on a plain name; bad labels are refused', async () => {
    writeRecording(s.data, 'b.me.1.csv', 'walking', 'me', 10);
    const bad = await s.app.inject({ method: 'PATCH', url: '/api/recordings/b.me.1.csv', headers: { host: '127.0.0.1:5280', 'content-type': 'application/json' }, payload: { label: 'a\nb' } });
    expect(bad.statusCode).toBe(400);
    const ok = await s.app.inject({ method: 'PATCH', url: '/api/recordings/b.me.1.csv', headers: { host: '127.0.0.1:5280', 'content-type': 'application/json' }, payload: { label: 'running' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().recordings.find((r: { file: string }) => r.file === 'b.me.1.csv').label).toBe('running');
    const del = await s.app.inject({ method: 'DELETE', url: '/api/recordings/b.me.1.csv', headers: { host: '127.0.0.1:5280' } });
    expect(del.statusCode).toBe(200);
    expect(existsSync(join(s.data, 'b.me.1.csv')) || existsSync(join(s.data, 'b.me.1.csv.json'))).toBe(false);
  });
  it('a form post (not JSON) is not accepted', async () => {
    const r = await s.app.inject({ method: 'POST', url: '/api/recordings', headers: { host: '127.0.0.1:5280', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'label=x&subject=y&seconds=1' });
    expect(r.statusCode).toBe(415);
  });
  it('a missing bundle is a clear 503, not a crash', async () => {
    const { session } = fakeSession(tempDir('tf-studio-data-'));
    const bare = createStudioServer({ session, datasetDir: tempDir('tf-d-'), modelDir: null, distDir: tempDir('tf-nodist-'), host: '127.0.0.1', port: 5280 });
    const r = await bare.app.inject({ method: 'GET', url: '/', headers: { host: '127.0.0.1:5280' } });
    expect(r.statusCode).toBe(503);
    expect(r.body).toMatch(/not built.*scripts\/setup\.sh/);
    await bare.app.close();
  });
});

describe('WebSocket upgrades (fastify injectWS: the real upgrade path, hooks included)', () => {
  const s = injectServer();
  beforeAll(() => s.app.ready());
  afterAll(() => s.app.close());
  const open = async (headers: Record<string, string>): Promise<{ status: number; first?: string }> => {
    try {
      let gotFirst!: (m: string) => void;
      const first = new Promise<string>((res) => (gotFirst = res));
      // The status event is sent on connect: listen before the upgrade completes.
      const ws = await s.app.injectWS('/ws', { headers }, { onInit: (w) => w.once('message', (m: unknown) => gotFirst(String(m))) });
      const text = await first;
      ws.terminate();
      return { status: 101, first: text };
    } catch (e) {
      return { status: Number(/response: (\d+)/.exec(String(e))?.[1] ?? 0) };
    }
  };

  it('the app\'s own Origin gets the event stream (status first)', async () => {
    const r = await open({ host: '127.0.0.1:5280', origin: 'http://127.0.0.1:5280' });
    expect(r.status).toBe(101);
    expect(JSON.parse(r.first!)).toMatchObject({ t: 'status', device: { state: 'disconnected' } });
  });
  it('a foreign Origin, no Origin or a foreign Host is refused before the upgrade', async () => {
    expect((await open({ host: '127.0.0.1:5280', origin: 'http://evil.example' })).status).toBe(403);
    expect((await open({ host: '127.0.0.1:5280' })).status).toBe(403);
    expect((await open({ host: 'evil.example:5280', origin: 'http://127.0.0.1:5280' })).status).toBe(421);
  });
});

// Issue 18 item 10: two Host headers were answered 200 (Node keeps only the first, which passed);
// `subject: NaN` (any non-number) on the live-source API was accepted.
describe('studio: duplicate Host headers and the live-source body', () => {
  it('checkRequest refuses a request with more than one Host header (400)', () => {
    const hosts = allowedHosts('127.0.0.1', 5280);
    expect(checkRequest({ host: '127.0.0.1:5280', hostHeaders: 2, origin: undefined, upgrade: false }, hosts)?.status).toBe(400);
    expect(checkRequest({ host: '127.0.0.1:5280', hostHeaders: 1, origin: undefined, upgrade: false }, hosts)).toBeNull();
  });

  it('on the wire: two Host headers (own + foreign, or the own twice) get 400, one gets 200', async () => {
    const s = injectServer();
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (s.app.server.address() as AddressInfo).port;
    s.setPort(port);
    const raw = (hostLines: string[]) =>
      new Promise<number>((resolve, reject) => {
        const c = connect(port, '127.0.0.1');
        let text = '';
        c.on('data', (d) => (text += d));
        c.on('error', reject);
        c.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
        c.write(`GET /api/device HTTP/1.1\r\n${hostLines.map((h) => `Host: ${h}\r\n`).join('')}Connection: close\r\n\r\n`);
      });
    try {
      const own = `127.0.0.1:${port}`;
      expect(await raw([own])).toBe(200);
      expect(await raw([own, 'evil.example'])).toBe(400);
      expect(await raw([own, own])).toBe(400);
    } finally {
      await s.app.close();
    }
  });

  it('live source: subject must be a whole number 1…1000 (NaN, "3", 2.5, 0 refused with 400); activity a known one', async () => {
    const data = tempDir('tf-studio-live-');
    const dist = tempDir('tf-studio-dist-');
    const set: [string, number | undefined][] = [];
    const source = deviceImuSource({ setActivity: (a) => void set.push([a, undefined]) });
    const session = new DeviceSession({ description: 'none', open: async () => { throw new Error('no board'); } }, source, { datasetDir: data });
    const s = createStudioServer({ session, datasetDir: data, modelDir: null, distDir: dist, host: '127.0.0.1', port: 5280 });
    const post = (body: string) => s.app.inject({ method: 'POST', url: '/api/live/source', headers: { host: '127.0.0.1:5280', 'content-type': 'application/json' }, payload: body });
    try {
      for (const body of ['{"activity":"walking","subject":"NaN"}', '{"activity":"walking","subject":null}', '{"activity":"walking","subject":"3"}', '{"activity":"walking","subject":2.5}', '{"activity":"walking","subject":0}', '{"activity":"walking","subject":1e9}', '{"subject":3}', '{"activity":"swimming"}']) {
        const r = await post(body);
        expect(r.statusCode, body).toBe(400);
        expect(r.json().remedy, body).toBeTruthy();
      }
      expect(set).toEqual([]);
      expect((await post('{"activity":"walking","subject":3}')).statusCode).toBe(200);
      expect((await post('{"activity":"running"}')).statusCode).toBe(200);
      expect(set.map((x) => x[0])).toEqual(['walking', 'running']);
    } finally {
      await s.app.close();
    }
  });
});
