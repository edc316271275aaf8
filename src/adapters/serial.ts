/**
 * Transport over a serial port or pty (real boards, the virtual board's pty, the host board's pty),
 * with the `serialport` package. Errors become TinyforgeError('device') with a remedy.
 */
import { SerialPort } from 'serialport';
import { causeText, deviceError } from '../core/errors.js';
import { Listeners, type Transport } from '../device/transport.js';

export interface SerialOptions {
  /** Default 115200. Ignored by ptys and USB CDC ports, but it sets the timeout estimate. */
  baudRate?: number;
  /** Override the throughput estimate (bytes/s), e.g. 8000 for QEMU's UART. */
  bytesPerSecond?: number;
}

export class SerialTransport implements Transport {
  readonly bytesPerSecond: number;
  private port: SerialPort | null = null;
  private data = new Listeners<[Uint8Array]>();
  private closed = new Listeners<[string]>();
  private closing = false;

  constructor(readonly description: string, private readonly opts: SerialOptions = {}) {
    this.bytesPerSecond = opts.bytesPerSecond ?? (opts.baudRate ?? 115200) / 10;
  }

  open(): Promise<void> {
    const path = this.description;
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: this.opts.baudRate ?? 115200, autoOpen: false });
      port.open((err) => {
        if (err) {
          reject(
            deviceError(`cannot open serial port ${path}`, {
              cause: err,
              remedy: /EACCES|Permission/i.test(err.message)
                ? 'add yourself to the dialout group (sudo usermod -aG dialout $USER, then log in again)'
                : /ENOENT|No such file/i.test(err.message)
                  ? 'check the path: `tinyforge monitor --list` shows ports; is the board plugged in / the emulator running?'
                  : 'is another program (serial monitor, IDE) holding the port? Close it and retry',
            }),
          );
          return;
        }
        this.port = port;
        port.on('data', (b: Buffer) => this.data.emit(new Uint8Array(b.buffer, b.byteOffset, b.length)));
        port.on('close', () => {
          if (!this.closing) this.closed.emit('port closed (unplugged or emulator exited)');
        });
        port.on('error', (e: Error) => this.closed.emit(causeText(e)));
        resolve();
      });
    });
  }

  close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port || !port.isOpen) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => port.close(() => resolve()));
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(deviceError(`serial port ${this.description} is not open`, { remedy: 'open it first' }));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data), (err) => {
        if (err) return reject(deviceError(`write to ${this.description} failed`, { cause: err, remedy: 'check the connection' }));
        port.drain((e) => (e ? reject(deviceError(`write to ${this.description} failed`, { cause: e, remedy: 'check the connection' })) : resolve()));
      });
    });
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }
  onClose(listener: (reason: string) => void): () => void {
    return this.closed.add(listener);
  }

  flush(): Promise<void> {
    const port = this.port;
    if (!port) return Promise.resolve();
    // tcflush on a pty can fail harmlessly; a failed flush only means stale bytes the codec will drop.
    return new Promise((resolve) => port.flush(() => resolve()));
  }
}

export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** Serial ports on this machine. `SerialPort.list()` rejects where udev is missing (containers). */
export async function listPorts(): Promise<PortInfo[]> {
  try {
    return (await SerialPort.list()).map((p) => ({ path: p.path, manufacturer: p.manufacturer, serialNumber: p.serialNumber, vendorId: p.vendorId, productId: p.productId }));
  } catch (e) {
    throw deviceError('cannot list serial ports on this machine', {
      cause: e,
      remedy: 'port listing needs udev (often absent in containers): pass the port explicitly, e.g. --port /dev/ttyACM0 or the pty the virtual board printed',
    });
  }
}
