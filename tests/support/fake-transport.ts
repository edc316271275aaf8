/**
 * In-memory transport: the host side of a link whose other end is a TS object (usually FakeDevice).
 * Delivery is asynchronous (like a real port) and can be tampered with to test loss, corruption
 * and garbage: `tamper(chunk, direction)` returns the bytes to deliver (or null to drop them).
 */
import { deviceError } from '../../src/core/errors.js';
import { Listeners, type Transport } from '../../src/device/transport.js';

export interface FakePeer {
  /** Called with bytes the host wrote. */
  receive(bytes: Uint8Array): void;
  /** The peer sends through this. */
  attach(send: (bytes: Uint8Array) => void): void;
  detach?(): void;
}

export type Direction = 'to-device' | 'to-host';

export class FakeTransport implements Transport {
  readonly description = 'fake';
  readonly bytesPerSecond = 1e6;
  private data = new Listeners<[Uint8Array]>();
  private closed = new Listeners<[string]>();
  private isOpen = false;
  private pending: Uint8Array[] = [];
  tamper?: (chunk: Uint8Array, direction: Direction) => Uint8Array | null;
  /** Every byte written by the host, for assertions. */
  readonly written: Uint8Array[] = [];

  constructor(private readonly peer: FakePeer) {}

  async open(): Promise<void> {
    this.isOpen = true;
    this.peer.attach((bytes) => {
      const b = this.tamper ? this.tamper(bytes, 'to-host') : bytes;
      if (!b || !this.isOpen) return;
      this.pending.push(b);
      setImmediate(() => {
        const i = this.pending.indexOf(b);
        if (i < 0 || !this.isOpen) return;
        this.pending.splice(i, 1);
        this.data.emit(b);
      });
    });
  }
  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.peer.detach?.();
    this.closed.emit('closed');
  }
  async write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) throw deviceError('write on a closed fake link', { remedy: 'open the transport first' });
    this.written.push(data.slice());
    const b = this.tamper ? this.tamper(data.slice(), 'to-device') : data.slice();
    if (b) setImmediate(() => this.isOpen && this.peer.receive(b));
  }
  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }
  onClose(listener: (reason: string) => void): () => void {
    return this.closed.add(listener);
  }
  /** Simulates an unplug: the link closes from the device side. */
  unplug(): void {
    this.isOpen = false;
    this.closed.emit('device disconnected');
  }
  async flush(): Promise<void> {
    this.pending.length = 0;
  }
}
