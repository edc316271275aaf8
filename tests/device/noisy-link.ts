/**
 * A relay between FakeTransport and a FakePeer (usually FakeDevice) that corrupts, drops and delays
 * bytes, both ways, from a seeded PRNG so every run reproduces. Each byte is, with probability
 * `byteErrorRate`, either replaced by another value or dropped (half each); each chunk is delayed
 * by 0..maxDelayMs, order preserved (a real line reorders nothing).
 */
import type { FakePeer } from '../support/fake-transport.js';
import { mulberry32 } from '../../src/data/prng.js';

/** A seeded PRNG, uniform in [0, 1) (the project's mulberry32). */
export function prng(seed: number): () => number {
  const r = mulberry32(seed);
  return () => r.next();
}

export interface NoiseOptions {
  seed: number;
  byteErrorRate: number;
  maxDelayMs?: number;
}

export class NoisyRelay implements FakePeer {
  readonly counts = { corrupted: 0, dropped: 0, bytes: 0 };
  private rnd: () => number;
  private queues: Record<'up' | 'down', { at: number; bytes: Uint8Array; to: (b: Uint8Array) => void }[]> = { up: [], down: [] };

  constructor(private readonly inner: FakePeer, public noise: NoiseOptions) {
    this.rnd = prng(noise.seed);
  }

  private mangle(bytes: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const b of bytes) {
      this.counts.bytes++;
      if (this.rnd() >= this.noise.byteErrorRate) {
        out.push(b);
      } else if (this.rnd() < 0.5) {
        this.counts.corrupted++;
        out.push((b ^ (1 + Math.floor(this.rnd() * 255))) & 0xff);
      } else {
        this.counts.dropped++;
      }
    }
    return Uint8Array.from(out);
  }

  /** Delivers after a random delay, in order per direction (one queue and timer each). */
  private deliver(dir: 'up' | 'down', bytes: Uint8Array, to: (b: Uint8Array) => void): void {
    const m = this.mangle(bytes);
    if (!m.length) return;
    const q = this.queues[dir];
    q.push({ at: Date.now() + Math.floor(this.rnd() * ((this.noise.maxDelayMs ?? 2) + 1)), bytes: m, to });
    if (q.length === 1) this.pump(dir);
  }

  private pump(dir: 'up' | 'down'): void {
    const q = this.queues[dir];
    if (!q.length) return;
    setTimeout(() => {
      const item = q.shift()!;
      item.to(item.bytes);
      this.pump(dir);
    }, Math.max(0, q[0].at - Date.now()));
  }

  receive(bytes: Uint8Array): void {
    this.deliver('down', bytes, (b) => this.inner.receive(b));
  }
  attach(send: (bytes: Uint8Array) => void): void {
    this.inner.attach((b) => this.deliver('up', b, send));
  }
  detach(): void {
    this.inner.detach?.();
  }
}
