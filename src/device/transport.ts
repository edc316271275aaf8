/**
 * The byte link between host and device. Implementations: SerialTransport (real ports and ptys,
 * over the `serialport` package) and FakeTransport (in memory, tests/support/fake-transport.ts). Failures are typed
 * TinyforgeError('device') with a remedy.
 */
export interface Transport {
  /** For messages: "/dev/ttyACM0", "fake", … */
  readonly description: string;
  /** Link throughput in bytes/s when known (baud / 10 for a UART), used to scale timeouts. */
  readonly bytesPerSecond?: number;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Resolves once the bytes are handed to the OS (drained). */
  write(data: Uint8Array): Promise<void>;
  /** Subscribe to received bytes; returns an unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Subscribe to the link closing underneath us (unplug, process exit). */
  onClose(listener: (reason: string) => void): () => void;
  /** Discard bytes received but not yet delivered (and the OS input buffer where there is one). */
  flush(): Promise<void>;
}

/** A tiny listener set, shared by the transports. */
export class Listeners<A extends unknown[]> {
  private set = new Set<(...a: A) => void>();
  add(f: (...a: A) => void): () => void {
    this.set.add(f);
    return () => this.set.delete(f);
  }
  emit(...a: A): void {
    for (const f of [...this.set]) f(...a);
  }
}
