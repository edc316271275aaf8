// QA: the virtual board never outlives tinyforge and never pretends to run. A stand-in for QEMU
// (a shell script, via $TINYFORGE_QEMU / opts.qemu) makes the cases fast and exact:
// Ctrl-C while QEMU starts stops it; `flash` notices QEMU exiting on its own (exit 6, no hang);
// Ctrl-C on a running `flash` stops QEMU and exits 130 (QEMU gone when flash is); a non-ELF image is
// refused before QEMU runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { manualStops } from '../../src/adapters/signals.js';
import { STRESS_ROUNDS, cpuLoad, stressTimeout } from '../helpers/signals.js';
import { alive, armElfHeader, cli, cliAsync, fakeQemu, tempDir, until } from './helpers.js';

function elfIn(dir: string): string {
  const elf = join(dir, 'firmware.elf');
  writeFileSync(elf, armElfHeader());
  return elf;
}

describe('virtual board lifecycle', () => {
  it('a stop (Ctrl-C) while QEMU is starting stops QEMU and rejects as interrupted (exit 130)', async () => {
    const dir = tempDir('tf-qa-vb-');
    const q = fakeQemu(dir, { silent: true });
    const stops = manualStops();
    const p = startVirtualBoard(elfIn(dir), { qemu: q.path, startTimeoutMs: 30_000, signal: stops.signal }).catch((e: unknown) => e);
    expect(await until(() => existsSync(q.pidFile) && readFileSync(q.pidFile, 'utf8').trim() !== '', 10_000)).toBe(true);
    const pid = Number(readFileSync(q.pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    const sigintListeners = process.listenerCount('SIGINT');
    stops.stop('SIGINT');
    const e = (await p) as TinyforgeError;
    expect(e).toBeInstanceOf(TinyforgeError);
    expect(e.exitCode).toBe(130);
    expect(e.message).toMatch(/interrupted \(SIGINT\) while .* was starting/);
    expect(await until(() => !alive(pid), 5000)).toBe(true);
    // The board installs no process-wide signal handler of its own (src/adapters/signals.ts is the one).
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
  });

  it('a file that is not an ARM ELF is bad input, and QEMU is never started', async () => {
    const dir = tempDir('tf-qa-vb-');
    const q = fakeQemu(dir);
    const notElf = join(dir, 'model.tflite');
    writeFileSync(notElf, 'TFL3 not an image');
    const e = (await startVirtualBoard(notElf, { qemu: q.path }).catch((x: unknown) => x)) as TinyforgeError;
    expect(e).toBeInstanceOf(TinyforgeError);
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/not an ELF/);
    expect(existsSync(q.pidFile)).toBe(false);
    const x86 = join(dir, 'x86.elf');
    const h = armElfHeader();
    h[18] = 62; // EM_X86_64
    writeFileSync(x86, h);
    await expect(startVirtualBoard(x86, { qemu: q.path })).rejects.toThrow(/not a 32-bit ARM executable/);
  });

  it('`flash` exits 6 with a message when QEMU exits by itself, instead of hanging', () => {
    const dir = tempDir('tf-qa-vb-');
    const q = fakeQemu(dir, { lifeSeconds: 1, exitCode: 3 });
    const r = cli(['flash', elfIn(dir), '--board', 'qemu-mps2-an386'], { TINYFORGE_QEMU: q.path });
    expect(r.error).toBeUndefined(); // not killed by the 60 s timeout
    expect(r.status, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/virtual board stopped: QEMU exited \(exit code 3\)/);
  });

  // The flake this guards against (issue 10): on a loaded machine the SIGINT sent right after the
  // pty line killed `flash` by the default action (exit code null) because its handler was not yet
  // installed. The signal is therefore sent the moment the line appears, several times over, and
  // QEMU (the fake's pid) must be gone by the time `flash` has exited — not some time later.
  it('Ctrl-C on a running `flash` stops QEMU and exits 130, at once after the pty line', async () => {
    const stopLoad = cpuLoad();
    try {
      for (let round = 0; round < Math.max(3, STRESS_ROUNDS); round++) {
        const dir = tempDir('tf-qa-vb-');
        const q = fakeQemu(dir);
        const c = cliAsync(['flash', elfIn(dir), '--board', 'qemu-mps2-an386'], { TINYFORGE_QEMU: q.path });
        const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => c.once('exit', (code, signal) => res({ code, signal })));
        expect(await until(() => c.out().includes('/dev/pts/999'), 120_000, 1), `round ${round}: ${c.err()}`).toBe(true);
        c.kill('SIGINT');
        const pid = Number(readFileSync(q.pidFile, 'utf8'));
        expect(await exit, `round ${round}: ${c.err()}`).toEqual({ code: 130, signal: null });
        expect(alive(pid), `round ${round}`).toBe(false);
      }
    } finally {
      stopLoad();
    }
  }, stressTimeout(60_000));

  it('a second Ctrl-C while QEMU stops does not orphan it', async () => {
    const dir = tempDir('tf-qa-vb-');
    // A QEMU that takes a while to die on SIGTERM, so the second signal lands while flash waits.
    const q = fakeQemu(dir, { trapTermSeconds: 1 });
    const c = cliAsync(['flash', elfIn(dir), '--board', 'qemu-mps2-an386'], { TINYFORGE_QEMU: q.path });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => c.once('exit', (code, signal) => res({ code, signal })));
    expect(await until(() => c.out().includes('/dev/pts/999'), 30_000, 1)).toBe(true);
    const pid = Number(readFileSync(q.pidFile, 'utf8'));
    c.kill('SIGINT');
    await until(() => false, 200);
    c.kill('SIGINT');
    expect(await exit, c.err()).toEqual({ code: 130, signal: null });
    expect(alive(pid)).toBe(false);
  });
});
