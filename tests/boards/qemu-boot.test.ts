// The virtual board's HAL builds without warnings and boots in QEMU: a tiny line-based test app
// (fixtures/echo_app.c) answers over the UART pty, opened with `serialport` like a real board.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { echoProject } from './helpers.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { elfFootprint } from '../../src/firmware/footprint.js';
import { startVirtualBoard, type VirtualBoard } from '../../src/adapters/qemu.js';

describe('virtual board (QEMU mps2-an386)', () => {
  let dir = '';
  let board: VirtualBoard | null = null;
  let port: SerialPort | null = null;
  let rx = '';
  let buildLog = '';

  beforeAll(async () => {
    dir = echoProject('qemu-mps2-an386');
    await runPlan(buildPlan(dir, 'qemu-mps2-an386', { engine: 'native' }), (s) => (buildLog += s));
    board = await startVirtualBoard(join(dir, 'build/firmware.elf'));
    port = new SerialPort({ path: board.path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port!.open((e) => (e ? rej(e) : res())));
    port.on('data', (d: Buffer) => (rx += d.toString('latin1')));
  }, 60_000);

  afterAll(async () => {
    if (port?.isOpen) await new Promise<void>((res) => port!.close(() => res()));
    await board?.stop();
  });

  async function ask(line: string): Promise<string> {
    const before = rx.length;
    port!.write(line + '\n');
    for (let i = 0; i < 500; i++) {
      const nl = rx.indexOf('\n', before);
      if (nl >= 0) return rx.slice(before, nl);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no answer to "${line}" (received so far: ${JSON.stringify(rx)})`);
  }

  it('builds without compiler warnings', () => {
    // -Werror is in CFLAGS, so a warning would have failed the build; also none may be printed.
    expect(buildLog).not.toMatch(/warning:/);
  });

  it('boots and answers over the UART pty', async () => {
    expect(board!.path).toMatch(/^\/dev\/pts\/\d+$/);
    expect(board!.qemuArgs).toContain('mps2-an386');
    const pong = await ask('ping');
    expect(pong).toMatch(/^pong qemu-mps2-an386 kind=2 /);
    expect(await ask('hello board')).toBe('echo hello board');
  });

  it('uses the FPU (enabled in the reset handler before any float instruction)', async () => {
    expect(await ask('float 7')).toBe('float 10'); // 7 * 1.5 = 10.5, truncated by the app
  });

  it('counts instructions exactly under -icount: a loop of 2N instructions adds 2N', async () => {
    // The app's assembly loop is subs+bne per iteration: 2 instructions; the fixed measurement
    // overhead cancels in the difference. SysTick ticks every 40 instructions (25 MHz clock,
    // 1 ns per instruction), so every reading is a multiple of 40 and carries up to 40 of
    // quantisation: a difference is exact to within one tick.
    const count = (s: string) => Number(/count (\d+)/.exec(s)![1]);
    const a = count(await ask('loop 1000'));
    const b = count(await ask('loop 2000'));
    const c = count(await ask('loop 101000'));
    expect(a % 40).toBe(0);
    expect(Math.abs(b - a - 2000)).toBeLessThanOrEqual(40);
    expect(Math.abs(c - a - 200000)).toBeLessThanOrEqual(40);
    // 1 instruction = 1 ns of virtual time, so micros = instructions / 1000.
    const us = Number(/us (\d+)/.exec(await ask('loop 500000'))![1]);
    expect(Math.abs(us - 1000)).toBeLessThanOrEqual(1);
  });

  it('reports the same flash/RAM footprint the host measures in the ELF and arm-none-eabi-size reports', async () => {
    const pong = await ask('ping');
    const ram = Number(/ram=(\d+)/.exec(pong)![1]);
    const flash = Number(/flash=(\d+)/.exec(pong)![1]);
    const fp = elfFootprint(readFileSync(join(dir, 'build/firmware.elf')));
    expect(fp.ram).toBe(ram);
    expect(fp.flash).toBe(flash);
    // Independent: binutils' Berkeley format (text data bss).
    const size = execFileSync('arm-none-eabi-size', [join(dir, 'build/firmware.elf')], { encoding: 'utf8' }).split('\n')[1].trim().split(/\s+/).map(Number);
    expect([fp.text, fp.data, fp.bss]).toEqual(size.slice(0, 3));
  });
});
