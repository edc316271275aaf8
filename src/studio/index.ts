/**
 * `tinyforge studio`: the local web app. Wires a board (a serial port, or the board a demo/run
 * output folder's firmware was built for, started by its `Board` with a simulated IMU) to the server
 * (./server.ts) and the Vite-built front end (studio/ → studio/dist). The board and its link come
 * from the composition root's Platform (src/service/ports.ts); this module listens.
 */
import { createHash } from 'node:crypto';
import { exists, readBytes, readManifest } from '../adapters/files.js';
import { join, resolve } from 'node:path';
import { badInput, toolError, usageError } from '../core/errors.js';
import { REPO_ROOT } from '../core/shared.js';
import type { Platform, StartedBoard } from '../service/ports.js';
import { DeviceSession, type Connector } from './device-session.js';
import { deviceImuSource, type SampleSource } from './sample-source.js';
import { createStudioServer } from './server.js';
import { readModelSettings } from '../service/recordings.js';
import { studioFiles } from './recordings.js';

/** The studio's documented default address. */
export const STUDIO_DEFAULT_HOST = '127.0.0.1';
export const STUDIO_DEFAULT_PORT = 5280;
export const STUDIO_DIST = join(REPO_ROOT, 'studio', 'dist');

export interface StudioOptions {
  /** HOST:PORT (default 127.0.0.1:5280); port 0 picks a free one. */
  listen?: string;
  /** A board's serial port. */
  port?: string;
  /** A demo/run output folder (or a built firmware project) whose board the studio starts (`--virtual DIR`). */
  firmware?: string;
  /** A demo/run output folder for the Model page and the model hash check (default: --virtual's). */
  model?: string;
  /** The dataset folder recordings go to. Default ./recordings. */
  data?: string;
  /** A tune search folder (tinyforge tune --out DIR) for the Tune page, watched as the search runs. */
  tune?: string;
  distDir?: string;
}

export interface Studio {
  url: string;
  session: DeviceSession;
  /** The board the studio started (null for --port or before it started). */
  startedBoard(): StartedBoard | null;
  close(): Promise<void>;
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw usageError(`--listen ${s} is not HOST:PORT`, { remedy: `e.g. --listen ${STUDIO_DEFAULT_HOST}:${STUDIO_DEFAULT_PORT}` });
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** The firmware image of a demo/run output folder or of a built firmware project. */
export function virtualElf(dir: string): string {
  for (const p of [join(dir, 'firmware', 'build', 'firmware.elf'), join(dir, 'build', 'firmware.elf')]) if (exists(p)) return p;
  throw badInput(`no built virtual-board firmware in ${dir} (looked for firmware/build/firmware.elf and build/firmware.elf)`, {
    remedy: 'pass the output folder of tinyforge demo / tinyforge run, or a project made with tinyforge firmware --board qemu-mps2-an386 and built with tinyforge build',
  });
}

export async function startStudio(o: StudioOptions, io: Pick<Platform, 'boards'> & Partial<Pick<Platform, 'files'>>): Promise<Studio> {
  const files = io.files ?? studioFiles;
  const { host, port } = parseListen(o.listen ?? `${STUDIO_DEFAULT_HOST}:${STUDIO_DEFAULT_PORT}`);
  if (o.port && o.firmware) throw usageError('use --port or --virtual, not both', { remedy: '--port for a board on a serial port, --virtual DIR for the virtual board' });
  if (!o.port && !o.firmware) throw usageError('no board given', { remedy: 'pass --port /dev/ttyACM0 (a board) or --virtual out/demo (the virtual board with a demo/run output)' });
  const distDir = resolve(o.distDir ?? STUDIO_DIST);
  if (!exists(join(distDir, 'index.html'))) {
    throw toolError(`the studio's front end is not built (${join(distDir, 'index.html')} is missing)`, { remedy: 'run bash scripts/setup.sh (it builds it with: npx vite build -c studio/vite.config.ts)' });
  }
  const modelDir = o.model ? resolve(o.model) : o.firmware ? resolve(o.firmware) : null;
  const tflite = modelDir && exists(join(modelDir, 'model.tflite')) ? join(modelDir, 'model.tflite') : null;
  const model = tflite ? { path: tflite, sha256: createHash('sha256').update(readBytes(tflite)).digest('hex') } : undefined;

  let board: StartedBoard | null = null;
  let connector: Connector;
  let source: SampleSource;
  if (o.firmware) {
    const elf = virtualElf(resolve(o.firmware));
    // Resolved once, from the manifest of the project the image was built in.
    const target = io.boards.board(readManifest(resolve(elf, '..', '..')).board);
    // The simulated sensor runs at the model's rate (the simulator's range is 50–119 Hz).
    const rate = Math.min(119, Math.max(50, readModelSettings(files, resolve(o.firmware))?.sampleRateHz ?? 50));
    connector = {
      description: target.name,
      async open() {
        // The board's simulated IMU (the sensor bus): samples arrive as from a real sensor.
        const b = await target.attach({ artifact: elf }, { imu: { kind: 'simulated', activity: 'idle', rateHz: rate } });
        board = b;
        return { transport: io.boards.transport(b.path, { bytesPerSecond: b.bytesPerSecond }), stop: () => b.stop() };
      },
    };
    source = deviceImuSource({ setActivity: (a) => (board as StartedBoard | null)?.imu?.setActivity(a) });
  } else {
    const path = o.port!;
    connector = { description: path, open: async () => ({ transport: io.boards.transport(path) }) };
    source = deviceImuSource();
  }
  const session = new DeviceSession(connector, source, { datasetDir: resolve(o.data ?? 'recordings'), model });
  const server = createStudioServer({ session, datasetDir: resolve(o.data ?? 'recordings'), modelDir, tuneDir: o.tune ? resolve(o.tune) : null, distDir, host, port, files });
  try {
    await server.app.listen({ host, port });
  } catch (e) {
    throw usageError(`cannot listen on ${host}:${port}`, { cause: e, remedy: 'is another studio running? pick another port with --listen HOST:PORT' });
  }
  const addr = server.app.server.address();
  const real = typeof addr === 'object' && addr ? addr.port : port;
  server.setPort(real);
  void session.connect();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${real}/`,
    session,
    startedBoard: () => board,
    async close() {
      await server.app.close();
      await session.close();
    },
  };
}
