// The stop-signal policy of src/adapters/signals.ts on a stand-in process (no real signals: the
// real binary's Ctrl-C cases are in tests/device/cli.test.ts, tests/boards/virtual-imu.test.ts and
// tests/qa/virtual-board.test.ts).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import { STOP_SIGNALS, installProcessStops, manualStops, stopSignalName, whenAborted, type SignalProcess, type StopSignalName } from '../../src/adapters/signals.js';

class Exited extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

/** A process whose exit throws (so the code is observable) and whose signals are emitted by hand. */
function fakeProcess() {
  const em = new EventEmitter();
  const p = {
    exitCode: undefined as number | undefined,
    on: (name: StopSignalName, h: (n: StopSignalName) => void) => em.on(name, h),
    exit: (code?: number): never => {
      throw new Exited(code);
    },
    send(name: StopSignalName = 'SIGINT'): number | null {
      try {
        em.emit(name, name);
        return null;
      } catch (e) {
        if (e instanceof Exited) return e.code ?? 0;
        throw e;
      }
    },
    listeners: (name: StopSignalName) => em.listenerCount(name),
  };
  return p as typeof p & SignalProcess;
}

describe('stop signals (src/adapters/signals.ts)', () => {
  it('outside a graceful stretch a stop signal exits at once: 130, or the code already decided', () => {
    for (const sig of STOP_SIGNALS) {
      const p = fakeProcess();
      const stops = installProcessStops(p);
      expect(p.send(sig)).toBe(130);
      expect(stops.signal.aborted).toBe(true);
      expect(stopSignalName(stops.signal)).toBe(sig);
      expect(stops.signal.reason).toBeInstanceOf(TinyforgeError);
      expect((stops.signal.reason as TinyforgeError).exitCode).toBe(130);
    }
    const p = fakeProcess();
    installProcessStops(p);
    p.exitCode = 6; // e.g. capture whose board went away, then Ctrl-C while the process ends
    expect(p.send()).toBe(6);
  });

  it('inside a graceful stretch the first stop aborts the signal, later ones wait; after the release one exits with the decided code', async () => {
    const p = fakeProcess();
    const stops = installProcessStops(p);
    const seen: number[] = [];
    const release = stops.graceful({ onSignal: (n) => seen.push(n) });
    const aborted = whenAborted(stops.signal);
    expect(p.send()).toBeNull();
    await aborted;
    expect(p.send('SIGTERM')).toBeNull(); // still saving: nothing may be lost
    expect(p.send()).toBeNull();
    expect(seen).toEqual([1, 2, 3]);
    expect(stopSignalName(stops.signal)).toBe('SIGINT'); // the first one is the reason
    p.exitCode = 130;
    release();
    release(); // idempotent
    expect(p.send()).toBe(130);
  });

  it("again: 'exit' — the second stop in the stretch exits 130 at once (training's Ctrl-C twice)", () => {
    const p = fakeProcess();
    const stops = installProcessStops(p);
    stops.graceful({ again: 'exit' });
    expect(p.send()).toBeNull();
    expect(p.send()).toBe(130);
  });

  it('stretches nest: the innermost decides, releasing it hands back to the outer one', () => {
    const p = fakeProcess();
    const stops = installProcessStops(p);
    const outer = stops.graceful({ again: 'exit' });
    const inner = stops.graceful({ again: 'wait' });
    expect(p.send()).toBeNull();
    expect(p.send()).toBeNull();
    inner();
    expect(p.send()).toBe(130);
    outer();
  });

  it('the handlers go in once and are never removed (no instant with the default action back)', () => {
    const p = fakeProcess();
    const stops = installProcessStops(p);
    for (let i = 0; i < 5; i++) stops.graceful()();
    for (const s of STOP_SIGNALS) expect(p.listeners(s)).toBe(1);
  });

  it('manualStops: the same AbortSignal without a process (in-process CLI runs, tests)', async () => {
    const stops = manualStops();
    const release = stops.graceful();
    expect(stops.signal.aborted).toBe(false);
    stops.stop('SIGTERM');
    await whenAborted(stops.signal);
    expect(stopSignalName(stops.signal)).toBe('SIGTERM');
    release();
  });
});
