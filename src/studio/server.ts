/**
 * The studio's HTTP + WebSocket server (adapter), on fastify with @fastify/websocket and
 * @fastify/static: no hand-written HTTP or WebSocket framing.
 *
 * Every request — page, API call or WebSocket upgrade — first passes `checkRequest`
 * (./security.ts): Host must be the listen address or a loopback name, Origin (when present, and
 * always on upgrades) the app's own. JSON bodies only (a cross-site form cannot send one without
 * an Origin). API:
 *   GET    /api/device                  link state, INFO, model hash check, sample/prediction counters
 *   POST   /api/device/reconnect        re-open the link (after an unplug)
 *   POST   /api/live/source             { activity, subject? } for a simulated sample source
 *   GET    /api/recordings              recordings + per-class / per-subject totals + balance
 *   POST   /api/recordings              { label, subject, seconds } → records, answers when written
 *   PATCH  /api/recordings/:file        { label, subject? }
 *   DELETE /api/recordings/:file
 *   GET    /api/recordings/:file/samples        one column per axis, rate, units, the shortest piece allowed (one window)
 *   GET    /api/recordings/:file/spectrum?start=N  the spectral block's spectrum of the window at sample N (the model's parameters)
 *   POST   /api/recordings/:file/crop   { start, end, name? } samples [start, end) → a new recording; the original to .originals/
 *   POST   /api/recordings/:file/split  { at: [samples…] } | { every: samples }, name? → new recordings; the original to .originals/
 *   GET    /api/model                   training report, int8 cost, verify results
 *   GET    /api/model/diagnostics       per-layer quantisation diagnostics: 202 { computing, progress } until done
 *   GET    /api/tune                    the tune search folder as it stands (trials, Pareto front, best)
 *   GET    /ws                          events: status, samples, prediction, record (JSON text frames)
 */
import { exists } from '../adapters/files.js';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { TinyforgeError, causeText } from '../core/errors.js';
import type { DeviceSession } from './device-session.js';
import type { StudioEvent } from './wire.js';
import { allowedHosts, checkRequest, headerCount } from './security.js';
import { parseLiveSource } from './sample-source.js';
import { deleteRecording, existingRecording, listRecordings, relabelRecording, studioFiles } from './recordings.js';
import { cropRecording, readModelSettings, recordingSamples, recordingSpectrum, splitRecording, type RecordingFiles } from '../service/recordings.js';
import { modelDiagnostics, modelPage, type Diagnostics } from './model-info.js';
import type { EvalProgress } from '../service/quantize.js';
import { readSearch } from '../tune/tune.js';

export interface StudioServerOptions {
  session: DeviceSession;
  datasetDir: string;
  /** A demo/run output folder for the Model page (null: none). */
  modelDir: string | null;
  /** A tune search folder for the Tune page (null: none). */
  tuneDir?: string | null;
  /** The Vite bundle (index.html + assets). */
  distDir: string;
  /** Listen address and port, for the Host/Origin checks (the port may be set after listen). */
  host: string;
  port: number;
  /** The file system for the recording service (default: the studio's binding of the files adapter). */
  files?: RecordingFiles;
}

export interface StudioServer {
  app: FastifyInstance;
  /** Call when the real port is known (listen on port 0). */
  setPort(port: number): void;
}

function fail(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof TinyforgeError) return reply.code(e.kind === 'device' ? 409 : 400).send({ error: e.kind, message: e.message, remedy: e.remedy ?? null });
  return reply.code(500).send({ error: 'internal', message: causeText(e) });
}

export function createStudioServer(o: StudioServerOptions): StudioServer {
  let hosts = allowedHosts(o.host, o.port);
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });

  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers;
    const upgrade = (h.upgrade ?? '').toLowerCase() === 'websocket';
    const refusal = checkRequest({ host: h.host, hostHeaders: headerCount(req.raw.rawHeaders ?? [], 'host'), origin: h.origin, secFetchSite: h['sec-fetch-site'] as string | undefined, upgrade }, hosts);
    if (!refusal) return;
    // A refused upgrade's socket is not the HTTP server's any more: end it once the answer is out.
    if (upgrade) reply.raw.once('finish', () => req.raw.socket?.destroy());
    return reply.code(refusal.status).type('text/plain').send(`refused: ${refusal.reason}\n`);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Content-Security-Policy', "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    return payload;
  });

  void app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  const hasBundle = exists(join(o.distDir, 'index.html'));
  if (hasBundle) void app.register(fastifyStatic, { root: o.distDir, prefix: '/', index: ['index.html'] });
  else app.get('/', async (_req, reply) => reply.code(503).type('text/plain').send(`the studio's front end is not built (${join(o.distDir, 'index.html')} is missing): run bash scripts/setup.sh\n`));

  const s = o.session;
  void app.register(async (scope) => {
    scope.get('/ws', { websocket: true }, (socket) => {
      const send = (ev: StudioEvent) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(ev));
      };
      send({ t: 'status', device: s.view() });
      const off = s.events.add(send);
      socket.on('close', off);
      socket.on('error', off);
    });
  });

  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  app.get('/api/device', async () => s.view());
  app.post('/api/device/reconnect', async () => {
    await s.connect();
    return s.view();
  });
  app.post('/api/live/source', async (req, reply) => {
    if (!s.source.setActivity) return reply.code(409).send({ error: 'usage', message: 'the sample source is the board\'s own IMU', remedy: null });
    try {
      const b = parseLiveSource(req.body);
      s.source.setActivity(b.activity, b.subject);
    } catch (e) {
      return fail(reply, e);
    }
    return s.view();
  });

  app.get('/api/recordings', async () => listRecordings(o.datasetDir));
  app.post('/api/recordings', async (req, reply) => {
    const b = (req.body ?? {}) as { label?: unknown; subject?: unknown; seconds?: unknown };
    try {
      return await s.record(b.label as string, b.subject as string, Number(b.seconds));
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.patch('/api/recordings/:file', async (req, reply) => {
    const b = (req.body ?? {}) as { label?: unknown; subject?: unknown };
    try {
      relabelRecording(o.datasetDir, (req.params as { file: string }).file, b.label as string, b.subject === undefined ? undefined : (b.subject as string));
      return listRecordings(o.datasetDir);
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.delete('/api/recordings/:file', async (req, reply) => {
    try {
      deleteRecording(o.datasetDir, (req.params as { file: string }).file);
      return listRecordings(o.datasetDir);
    } catch (e) {
      return fail(reply, e);
    }
  });

  // Crop, split and the spectrum follow the model's window and spectral parameters (when a model is known).
  const files = o.files ?? studioFiles;
  const settings = () => readModelSettings(files, o.modelDir);
  const recording = (req: { params: unknown }) => existingRecording(o.datasetDir, (req.params as { file: string }).file);
  const intOf = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
  app.get('/api/recordings/:file/samples', async (req, reply) => {
    try {
      return recordingSamples(files, recording(req), settings());
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.get('/api/recordings/:file/spectrum', async (req, reply) => {
    try {
      return recordingSpectrum(files, recording(req), intOf((req.query as { start?: unknown }).start ?? 0), { settings: settings() });
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.post('/api/recordings/:file/crop', async (req, reply) => {
    const b = (req.body ?? {}) as { start?: unknown; end?: unknown; name?: unknown };
    try {
      const result = cropRecording(files, recording(req), { start: intOf(b.start), end: intOf(b.end) }, { settings: settings(), name: b.name === undefined || b.name === '' ? undefined : (b.name as string) });
      return { result, listing: listRecordings(o.datasetDir) };
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.post('/api/recordings/:file/split', async (req, reply) => {
    const b = (req.body ?? {}) as { at?: unknown; every?: unknown; name?: unknown };
    try {
      const spec = b.every !== undefined ? { every: intOf(b.every) } : { at: Array.isArray(b.at) ? b.at.map(intOf) : [] };
      const result = splitRecording(files, recording(req), spec, { settings: settings(), name: b.name === undefined || b.name === '' ? undefined : (b.name as string) });
      return { result, listing: listRecordings(o.datasetDir) };
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/api/model', async () => modelPage(o.modelDir));
  app.get('/api/tune', async (_req, reply) => {
    if (!o.tuneDir) return reply.code(404).send({ error: 'bad-input', message: 'no tune search folder', remedy: 'start the studio with --tune DIR (the --out folder of tinyforge tune)' });
    try {
      return readSearch(o.tuneDir);
    } catch (e) {
      return fail(reply, e);
    }
  });
  // Computed once per server in a worker thread (cached on disk per model): the first GET starts
  // it; until it is done every GET answers 202 with the progress, so the page can show it.
  let diag: Promise<Diagnostics> | null = null;
  let done: Diagnostics | null = null;
  let progress: EvalProgress = { phase: 'loading', done: 0, total: 1 };
  app.get('/api/model/diagnostics', async (_req, reply) => {
    if (!o.modelDir) return reply.code(404).send({ error: 'bad-input', message: 'no model folder', remedy: 'start the studio with --virtual DIR or --model DIR' });
    if (done) return done;
    if (!diag) {
      const d = (diag = modelDiagnostics(o.modelDir, (p) => (progress = p)));
      d.then((r) => (done = r), () => {});
    }
    const settled = await Promise.race([diag.then(() => true, () => true), new Promise<false>((res) => setImmediate(() => res(false)))]);
    if (!settled) return reply.code(202).send({ computing: true, progress });
    try {
      return await diag;
    } catch (e) {
      diag = null;
      return reply.code(422).send({ error: 'bad-input', message: causeText(e), remedy: 'point the studio at a tinyforge demo/run output folder' });
    }
  });

  return { app, setPort: (port) => (hosts = allowedHosts(o.host, port)) };
}
