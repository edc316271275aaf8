// `tinyforge firmware --library` for the virtual board, as a user runs it: the library folder and
// its .zip, `tinyforge build` (the stand-alone ActivityDetector example), `tinyforge flash --imu
// sim:walking` — and predictions appear as text on the board's console with no host link at all.
// The TinyforgeLink example of the same library answers the device protocol (HELLO → INFO).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { DeviceClient } from '../../src/device/client.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { cli } from '../helpers/cli.js';
import { tinyProject } from '../qa/helpers.js';

const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
const tools = has('qemu-system-arm') && has('arm-none-eabi-gcc') && has('make');

describe.skipIf(!tools)('the model as a library on the virtual board', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-lib-'));
  const lib = join(dir, 'tf_activity');
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    const p = tinyProject();
    const r = await cli(['--json', 'firmware', '--board', 'qemu-mps2-an386', '--model', p.model, '--settings', p.settings, '--library', '--out', lib]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ library: { name: 'tf_activity', example: 'ActivityDetector' }, zip: `${lib}.zip` });
  }, 120_000);
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });

  it('the .zip holds the library folder, file for file', () => {
    const zip = unzipSync(new Uint8Array(readFileSync(`${lib}.zip`)));
    const manifest = JSON.parse(readFileSync(join(lib, 'tinyforge.json'), 'utf8')) as { files: string[] };
    expect(Object.keys(zip).sort()).toEqual(manifest.files.map((f) => `tf_activity/${f}`).sort());
    for (const f of manifest.files) expect(Buffer.from(zip[`tf_activity/${f}`]).equals(readFileSync(join(lib, f))), f).toBe(true);
    expect(new TextDecoder().decode(zip['tf_activity/library.properties'])).toMatch(/^name=tf_activity$/m);
  });

  it('both examples are valid C++ too (the Arduino IDE compiles sketches as C++): g++ -fsyntax-only', () => {
    for (const e of ['ActivityDetector', 'TinyforgeLink']) {
      const r = spawnSync('g++', ['-std=gnu++17', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', '-x', 'c++', '-I', join(lib, 'src'), join(lib, `examples/${e}/${e}.ino`)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('ActivityDetector: built with tinyforge build, flashed with --imu sim:walking, prints predictions on the console (no host link)', async () => {
    const b = await cli(['build', lib]);
    expect(b.status, b.stderr).toBe(0);
    const flash = spawn(process.execPath, [join(REPO_ROOT, 'bin/tinyforge.mjs'), 'flash', lib, '--imu', 'sim:walking'], { cwd: REPO_ROOT });
    children.push(flash);
    let out = '';
    const pty = await new Promise<string>((resolve, reject) => {
      flash.stdout.on('data', (d) => {
        out += d;
        const m = /serial port (\/dev\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      flash.on('exit', (code) => reject(new Error(`flash exited ${code}: ${out}`)));
    });
    // The console is plain text: open the pty and read lines; nothing is ever sent to the board.
    const port = new SerialPort({ path: pty, baudRate: 115200 });
    const lines: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        let text = '';
        const guard = setTimeout(() => reject(new Error(`no predictions within 60 s; console: ${text.slice(-500)}`)), 60_000);
        port.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          const done = text.split('\r\n');
          text = done.pop()!;
          for (const l of done) if (/^window \d+: /.test(l)) lines.push(l);
          if (lines.length >= 5) {
            clearTimeout(guard);
            resolve();
          }
        });
      });
    } finally {
      await new Promise<void>((r) => port.close(() => r()));
      flash.kill('SIGINT');
    }
    // "window N: <label> <score>, <instructions> instructions", consecutive windows.
    const re = /^window (\d+): (still|moving) -?\d+\.\d\d, (\d+) instructions( \*)?$/;
    for (const l of lines) expect(l).toMatch(re);
    const idx = lines.map((l) => Number(re.exec(l)![1]));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(idx.slice(1).map((w, i) => w - idx[i])).toEqual(idx.slice(1).map(() => 1));
    expect(Number(re.exec(lines[0])![3])).toBeGreaterThan(0);
  }, 180_000);

  it('TinyforgeLink, the other example of the same library, answers the device protocol', async () => {
    await runPlan(buildPlan(lib, 'qemu-mps2-an386', { engine: 'native', library: { example: 'TinyforgeLink' } }));
    const vb = await startVirtualBoard(join(lib, 'build/firmware.elf'));
    try {
      const c = await DeviceClient.connect(new SerialTransport(vb.path, { bytesPerSecond: 8000 }), { handshakeMs: 20_000 });
      expect(c.info).toMatchObject({ board: 'qemu-mps2-an386', engine: 'native', labels: ['still', 'moving'], windowLength: 4, windowStride: 2, engineStatus: 0 });
      const r = await c.infer(new Uint8Array(12));
      expect(r.output.length).toBe(2);
      await c.close();
    } finally {
      await vb.stop();
    }
  }, 180_000);
});
