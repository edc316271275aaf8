// The Board of an id (src/adapters/boards.ts): what the board does comes from the board. Expected
// values come from the board table (src/firmware/boards.ts: flasher, imu) and the flash plans
// (src/flash/plan.ts, golden-tested in tests/boards/plans.test.ts); no QEMU is started here
// (tests/service/run.test.ts and tests/qa/virtual-board.test.ts start it).
import { describe, expect, it } from 'vitest';
import { detectArduinoPort, resolveBoard } from '../../src/adapters/boards.js';
import { BOARD_IDS, BOARDS } from '../../src/firmware/boards.js';
import { flashPlan } from '../../src/flash/plan.js';
import { ExitCode, toolError, type TinyforgeError } from '../../src/core/errors.js';
import { interruptedError } from '../../src/adapters/signals.js';
import type { ProcessPort } from '../../src/service/ports.js';

/** A process port that records the argv of every step instead of running it. */
function recorder(): ProcessPort & { ran: string[][] } {
  const ran: string[][] = [];
  return {
    ran,
    runPlan: async (plan) => (plan.steps.forEach((s) => ran.push(s.argv)), []),
    runSteps: async (steps) => (steps.forEach((s) => ran.push(s.argv)), []),
  };
}

const failure = async (p: Promise<unknown>) => (await p.then(() => null, (e: unknown) => e)) as TinyforgeError;

describe('the Board of an id', () => {
  it('plans as flashPlan does for its id, and takes an IMU to play exactly when QEMU runs it', () => {
    for (const id of BOARD_IDS) {
      const b = resolveBoard(id, recorder());
      expect(b.spec).toBe(BOARDS[id]);
      const input = { artifact: 'fw/build/firmware.elf', port: '/dev/ttyACM0' };
      expect(b.plan(input)).toEqual(flashPlan({ ...input, board: id }));
      expect([id, b.hostsImu]).toEqual([id, BOARDS[id].flasher === 'qemu']);
    }
    expect(() => resolveBoard('nano34', recorder())).toThrow(/unknown board "nano34"/);
  });

  it('a board flashed with arduino-cli runs the plan\'s steps through the process port and is then reached on the plan\'s port', async () => {
    const p = recorder();
    const b = resolveBoard('nano33ble-sense-rev2', p);
    const plan = b.plan({ artifact: 'fw/build/fw.ino.bin', projectDir: 'fw', port: '/dev/ttyACM0' });
    const started = await b.flash(plan);
    expect(p.ran).toEqual(plan.steps.map((s) => s.argv));
    expect(p.ran[0].slice(0, 2)).toEqual(['arduino-cli', 'upload']);
    expect([started.path, started.summary, started.exited, started.imu]).toEqual(['/dev/ttyACM0', 'flashed nano33ble-sense-rev2', undefined, null]);
  });

  it('a flash tool that fails because of Ctrl-C is the interruption, not a tool error', async () => {
    const stop = new AbortController();
    const b = resolveBoard('nano33ble', { runPlan: async () => [], runSteps: async () => { stop.abort(interruptedError('SIGINT')); throw toolError('arduino-cli upload failed (signal SIGINT)'); } });
    const plan = b.plan({ artifact: 'x.bin', port: '/dev/ttyACM0' });
    expect((await failure(b.flash(plan, { signal: stop.signal }))).exitCode).toBe(ExitCode.INTERRUPTED);
    expect((await failure(b.flash(plan))).exitCode).toBe(ExitCode.TOOL);
  });

  it('a board that reads its own sensor refuses an IMU to play before any tool runs', async () => {
    const p = recorder();
    const b = resolveBoard('nano33ble-sense', p);
    const plan = b.plan({ artifact: 'x.bin', port: '/dev/ttyACM0' });
    const e = await failure(b.flash(plan, { imu: { kind: 'simulated', activity: 'walking' } }));
    expect([e.kind, e.message]).toEqual(['usage', 'nano33ble-sense reads its own IMU (LSM9DS1): it cannot be given --imu sim:…']);
    expect(e.remedy).toMatch(/--board qemu-mps2-an386/);
    expect(p.ran).toEqual([]);
    expect((await failure(b.attach({ port: '/dev/ttyACM0' }, { imu: { kind: 'playback', file: 'r.csv' } }))).message).toMatch(/cannot be given --imu file:/);
  });

  it('only a board flashed over its own USB port has a port to find: the one Arduino board plugged in', async () => {
    for (const id of BOARD_IDS) expect([id, typeof resolveBoard(id, recorder()).findPort]).toEqual([id, BOARDS[id].flasher === 'arduino-cli' ? 'function' : 'undefined']);
    const arduino = { vendorId: '2341' }; // Arduino SA's USB vendor id
    expect(await detectArduinoPort(async () => [{ path: '/dev/ttyUSB0', vendorId: '0403' }, { path: '/dev/ttyACM0', ...arduino }])).toBe('/dev/ttyACM0');
    expect((await failure(detectArduinoPort(async () => [{ path: '/dev/ttyUSB0', vendorId: '0403' }]))).message).toBe('no Arduino board found on USB');
    const two = await failure(detectArduinoPort(async () => [{ path: '/dev/ttyACM0', ...arduino }, { path: '/dev/ttyACM1', ...arduino }]));
    expect([two.kind, two.message]).toEqual(['device', '2 Arduino boards found (/dev/ttyACM0, /dev/ttyACM1)']);
    expect(two.remedy).toMatch(/--port/);
  });

  it('attaching to a flashed board needs its port; the virtual board needs the image it runs', async () => {
    const real = resolveBoard('cortex-m4', recorder());
    const e = await failure(real.attach({ artifact: 'fw/build/firmware.elf' }));
    expect([e.kind, e.message]).toEqual(['usage', 'verifying on cortex-m4 needs its serial port']);
    expect((await real.attach({ port: '/dev/ttyUSB0' })).path).toBe('/dev/ttyUSB0');
    const vb = await failure(resolveBoard('qemu-mps2-an386', recorder()).attach({ port: '/dev/pts/9' }));
    expect(vb.kind).toBe('bad-input');
    expect(vb.remedy).toMatch(/tinyforge run --to build/);
  });
});
