/**
 * The device protocol's framing and payload codec (pure; no I/O).
 *
 * Wire format (schemas/protocol.json "framing"): 0x00, COBS(header || payload || crc32), 0x00, where
 * header = version:u8, type:u8, seq:u16le, length:u16le and crc32 is CRC-32/ISO-HDLC (the zlib CRC)
 * of header || payload, little-endian. Payloads are at most MAX_PAYLOAD (4096) bytes; encoding a
 * larger one is a typed bad-input error (larger inputs go over INPUT_CHUNK, see client.ts).
 *
 * Like pw_hdlc, decoding is incremental and corrupt input is a value, never an exception: the
 * decoder returns frames and errors as it sees delimiters, keeps at most MAX_ENCODED_FRAME bytes,
 * and resynchronises at the next 0x00 whatever came before.
 */
import { badInput } from '../core/errors.js';
import { CRC_BYTES, HEADER_BYTES, LAYOUT, MAX_PAYLOAD, MSG, MSG_NAME, PROTOCOL_VERSION, type MessageMap, type MsgName } from './protocol.generated.js';

/** Largest header + payload + CRC. */
export const MAX_RAW_FRAME = HEADER_BYTES + MAX_PAYLOAD + CRC_BYTES;
/** Largest COBS-encoded frame between delimiters (COBS adds one byte per 254 plus one). */
export const MAX_ENCODED_FRAME = MAX_RAW_FRAME + Math.ceil(MAX_RAW_FRAME / 254) + 1;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32/ISO-HDLC (zlib's crc32). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** COBS-encode: the result has no 0x00 bytes. */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 254) + 1);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = data[i];
      if (++code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out.slice(0, o);
}

/** COBS-decode one frame's bytes (no delimiters); null when malformed (a code runs past the end or a 0x00 inside). */
export function cobsDecode(enc: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(enc.length);
  let o = 0;
  let i = 0;
  while (i < enc.length) {
    const code = enc[i++];
    if (code === 0 || i + code - 1 > enc.length) return null;
    for (let k = 1; k < code; k++) {
      if (enc[i] === 0) return null;
      out[o++] = enc[i++];
    }
    if (code < 0xff && i < enc.length) out[o++] = 0;
  }
  return out.slice(0, o);
}

export interface RawFrame {
  version: number;
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** One complete frame on the wire, with its leading and trailing delimiters. */
export function encodeFrame(type: number, seq: number, payload: Uint8Array, version = PROTOCOL_VERSION): Uint8Array {
  if (payload.length > MAX_PAYLOAD) {
    throw badInput(`a ${MSG_NAME[type] ?? `type ${type}`} frame payload of ${payload.length} bytes exceeds the protocol's ${MAX_PAYLOAD}-byte limit`, {
      remedy: 'split the data over several messages: DeviceClient.infer() stages large inputs with INPUT_CHUNK and samplesIn() splits samples by itself',
      details: { type, payloadBytes: payload.length, maxPayload: MAX_PAYLOAD },
    });
  }
  const raw = new Uint8Array(HEADER_BYTES + payload.length + CRC_BYTES);
  const dv = new DataView(raw.buffer);
  raw[0] = version;
  raw[1] = type;
  dv.setUint16(2, seq & 0xffff, true);
  dv.setUint16(4, payload.length, true);
  raw.set(payload, HEADER_BYTES);
  dv.setUint32(HEADER_BYTES + payload.length, crc32(raw.subarray(0, HEADER_BYTES + payload.length)), true);
  const enc = cobsEncode(raw);
  const wire = new Uint8Array(enc.length + 2);
  wire.set(enc, 1);
  return wire;
}

export type FrameError = 'cobs' | 'short' | 'crc' | 'length' | 'oversized';
export type DecodeEvent = ({ kind: 'frame' } & RawFrame) | { kind: 'error'; error: FrameError; bytes: number };

/** Decodes the bytes between two delimiters. */
export function decodeFrameBytes(enc: Uint8Array): DecodeEvent {
  const raw = cobsDecode(enc);
  if (!raw) return { kind: 'error', error: 'cobs', bytes: enc.length };
  if (raw.length < HEADER_BYTES + CRC_BYTES) return { kind: 'error', error: 'short', bytes: enc.length };
  if (raw.length > MAX_RAW_FRAME) return { kind: 'error', error: 'oversized', bytes: enc.length };
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const body = raw.length - CRC_BYTES;
  if (dv.getUint32(body, true) !== crc32(raw.subarray(0, body))) return { kind: 'error', error: 'crc', bytes: enc.length };
  const len = dv.getUint16(4, true);
  if (len !== body - HEADER_BYTES) return { kind: 'error', error: 'length', bytes: enc.length };
  return { kind: 'frame', version: raw[0], type: raw[1], seq: dv.getUint16(2, true), payload: raw.slice(HEADER_BYTES, body) };
}

/** Incremental decoder: push any chunking of the byte stream, get the same events. */
export class FrameDecoder {
  private buf = new Uint8Array(MAX_ENCODED_FRAME);
  private n = 0;
  private overflow = 0;

  push(chunk: Uint8Array): DecodeEvent[] {
    const events: DecodeEvent[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b !== 0) {
        if (this.n < MAX_ENCODED_FRAME) this.buf[this.n++] = b;
        else this.overflow++;
        continue;
      }
      if (this.overflow) events.push({ kind: 'error', error: 'oversized', bytes: this.n + this.overflow });
      else if (this.n > 0) events.push(decodeFrameBytes(this.buf.subarray(0, this.n)));
      this.n = 0;
      this.overflow = 0;
    }
    return events;
  }

  /** Drops a partial frame (after a flush or a timeout). */
  reset(): void {
    this.n = 0;
    this.overflow = 0;
  }

  /** Bytes held for an unfinished frame. */
  get pending(): number {
    return this.n + this.overflow;
  }
}

// ---- payloads ----------------------------------------------------------------------------------

/** Payload bytes for a message, laid out as schemas/protocol.json says. */
export function encodePayload<K extends MsgName>(name: K, msg: MessageMap[K]): Uint8Array {
  const parts: number[] = [];
  let tail: Uint8Array | null = null;
  const rec = msg as unknown as Record<string, unknown>;
  const str = (s: string) => {
    const b = new TextEncoder().encode(s).subarray(0, 255);
    parts.push(b.length, ...b);
  };
  for (const f of LAYOUT[name]) {
    const v = rec[f.name];
    const tmp = new DataView(new ArrayBuffer(4));
    switch (f.type) {
      case 'u8':
      case 'i8':
        parts.push(Number(v) & 0xff);
        break;
      case 'u16':
        parts.push(Number(v) & 0xff, (Number(v) >>> 8) & 0xff);
        break;
      case 'u32':
        tmp.setUint32(0, Number(v) >>> 0, true);
        parts.push(...new Uint8Array(tmp.buffer));
        break;
      case 'f32':
        tmp.setFloat32(0, Number(v), true);
        parts.push(...new Uint8Array(tmp.buffer));
        break;
      case 'sha256': {
        const b = v as Uint8Array;
        for (let i = 0; i < 32; i++) parts.push(b[i] ?? 0);
        break;
      }
      case 'str':
        str(String(v));
        break;
      case 'strlist': {
        const list = (v as string[]).slice(0, 255);
        parts.push(list.length);
        for (const s of list) str(s);
        break;
      }
      case 'bytes':
      case 'i8[]':
        tail = new Uint8Array((v as Uint8Array | Int8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength);
        break;
      case 'i16[]':
      case 'f32[]': {
        const a = v as Int16Array | Float32Array;
        const le = new Uint8Array(a.byteLength);
        const dv = new DataView(le.buffer);
        for (let i = 0; i < a.length; i++) {
          if (f.type === 'i16[]') dv.setInt16(i * 2, a[i], true);
          else dv.setFloat32(i * 4, a[i], true);
        }
        tail = le;
        break;
      }
    }
  }
  const head = Uint8Array.from(parts);
  if (!tail) return head;
  const t: Uint8Array = tail;
  const out = new Uint8Array(head.length + t.length);
  out.set(head);
  out.set(t, head.length);
  return out;
}

export type DecodedMessage = { [K in MsgName]: { name: K; seq: number; msg: MessageMap[K] } }[MsgName];

/** A frame's message, or a reason it is not one (unknown type, wrong version, payload that does not fit). */
export function decodeMessage(frame: RawFrame): DecodedMessage | { name: null; seq: number; reason: string } {
  const name = MSG_NAME[frame.type];
  if (!name) return { name: null, seq: frame.seq, reason: `unknown message type ${frame.type}` };
  if (frame.version !== PROTOCOL_VERSION) return { name: null, seq: frame.seq, reason: `protocol version ${frame.version}, expected ${PROTOCOL_VERSION}` };
  const p = frame.payload;
  const dv = new DataView(p.buffer, p.byteOffset, p.length);
  const out: Record<string, unknown> = {};
  let o = 0;
  const need = (n: number) => {
    if (o + n > p.length) throw new RangeError('short');
  };
  const str = () => {
    need(1);
    const n = p[o++];
    need(n);
    const s = new TextDecoder().decode(p.subarray(o, o + n));
    o += n;
    return s;
  };
  try {
    for (const f of LAYOUT[name]) {
      switch (f.type) {
        case 'u8': need(1); out[f.name] = p[o]; o += 1; break;
        case 'i8': need(1); out[f.name] = dv.getInt8(o); o += 1; break;
        case 'u16': need(2); out[f.name] = dv.getUint16(o, true); o += 2; break;
        case 'u32': need(4); out[f.name] = dv.getUint32(o, true); o += 4; break;
        case 'f32': need(4); out[f.name] = dv.getFloat32(o, true); o += 4; break;
        case 'sha256': need(32); out[f.name] = p.slice(o, o + 32); o += 32; break;
        case 'str': out[f.name] = str(); break;
        case 'strlist': {
          need(1);
          const n = p[o++];
          const list: string[] = [];
          for (let i = 0; i < n; i++) list.push(str());
          out[f.name] = list;
          break;
        }
        case 'bytes': out[f.name] = p.slice(o); o = p.length; break;
        case 'i8[]': out[f.name] = new Int8Array(p.slice(o).buffer); o = p.length; break;
        case 'i16[]':
        case 'f32[]': {
          const w = f.type === 'i16[]' ? 2 : 4;
          if ((p.length - o) % w) throw new RangeError('ragged');
          const a = f.type === 'i16[]' ? new Int16Array((p.length - o) / w) : new Float32Array((p.length - o) / w);
          for (let i = 0; i < a.length; i++) a[i] = w === 2 ? dv.getInt16(o + i * 2, true) : dv.getFloat32(o + i * 4, true);
          out[f.name] = a;
          o = p.length;
          break;
        }
      }
    }
  } catch {
    return { name: null, seq: frame.seq, reason: `${name} payload of ${p.length} bytes does not fit its layout` };
  }
  if (o !== p.length) return { name: null, seq: frame.seq, reason: `${name} payload has ${p.length - o} unexpected trailing bytes` };
  return { name, seq: frame.seq, msg: out } as DecodedMessage;
}

/** A whole frame for a message. */
export function encodeMessage<K extends MsgName>(name: K, seq: number, msg: MessageMap[K]): Uint8Array {
  return encodeFrame(MSG[name], seq, encodePayload(name, msg));
}
