#!/usr/bin/env python3
"""Produces tests/fixtures/frames.json, the frame table both codecs (TS and C) are tested against.

Independent of tinyforge's code: CRC from Python's zlib.crc32 (CRC-32/ISO-HDLC), COBS written here
from the algorithm's definition (Cheshire & Baker 1999; checked against the Wikipedia examples
below), frame layout from schemas/protocol.json. Run: python3 tests/device/make-frames.py
"""
import json, struct, zlib, os

def cobs_enc(data):
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block; block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += bytes([255]) + block; block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out)

# Wikipedia's COBS examples.
assert cobs_enc(b'\x00') == b'\x01\x01'
assert cobs_enc(b'\x00\x00') == b'\x01\x01\x01'
assert cobs_enc(b'\x11\x22\x00\x33') == b'\x03\x11\x22\x02\x33'
assert cobs_enc(b'\x11\x00\x00\x00') == b'\x02\x11\x01\x01\x01'
assert cobs_enc(bytes(range(1, 255))) == b'\xff' + bytes(range(1, 255)) + b'\x01'
assert zlib.crc32(b'123456789') == 0xCBF43926

# Protocol version and message ids come from the schema, not from tinyforge's code.
with open(os.path.join(os.path.dirname(__file__), '..', '..', 'schemas', 'protocol.json')) as f:
    schema = json.load(f)
VERSION = schema['version']
ID = {m['name']: m['id'] for m in schema['messages']}
ERRC = {e['name']: e['code'] for e in schema['errors']}

def raw(type_, seq, payload, version=VERSION, length=None):
    h = struct.pack('<BBHH', version, type_, seq, len(payload) if length is None else length)
    return h + payload + struct.pack('<I', zlib.crc32(h + payload))

def wire(type_, seq, payload, **kw):
    return b'\x00' + cobs_enc(raw(type_, seq, payload, **kw)) + b'\x00'

def F(type_, seq, payload, version=VERSION):
    return {'frame': {'version': version, 'type': type_, 'seq': seq, 'payload': payload.hex()}}

cases = []
def case(name, data, events, encode=None, doc=''):
    c = {'name': name, 'doc': doc, 'wire': data.hex(), 'events': events}
    if encode: c['encode'] = encode
    cases.append(c)

p_zero = bytes([0, 1, 2, 0, 0, 255])
p300 = bytes((i % 255) + 1 for i in range(300))
p4096 = bytes((i * 7) & 0xff for i in range(4096))
case('hello', wire(1, 1, b''), [F(1, 1, b'')], {'type': 1, 'seq': 1, 'payload': ''}, 'HELLO, empty payload')
case('zeros-in-payload', wire(3, 0x1234, p_zero), [F(3, 0x1234, p_zero)], {'type': 3, 'seq': 0x1234, 'payload': p_zero.hex()})
case('long-run-300', wire(3, 65535, p300), [F(3, 65535, p300)], {'type': 3, 'seq': 65535, 'payload': p300.hex()}, 'runs over 254 non-zero bytes')
case('max-payload-4096', wire(4, 7, p4096), [F(4, 7, p4096)], {'type': 4, 'seq': 7, 'payload': p4096.hex()})
case('two-frames', wire(1, 1, b'') + wire(11, 2, b'\x05'), [F(1, 1, b''), F(11, 2, b'\x05')])
bad = bytearray(raw(3, 5, b'\x10\x20\x30')); bad[7] ^= 0x01
case('bad-crc', b'\x00' + cobs_enc(bytes(bad)) + b'\x00' + wire(1, 6, b''), [{'error': 'crc'}, F(1, 6, b'')], doc='a flipped payload bit, then a good frame')
case('short', b'\x00' + cobs_enc(b'\x01\x01\x00') + b'\x00', [{'error': 'short'}], doc='fewer bytes than header + CRC')
w = wire(3, 9, p300)
case('truncated-then-frame', w[:100] + wire(1, 10, b''), [{'error': 'cobs'}, F(1, 10, b'')], doc='a frame cut off mid-block; the next leading delimiter resynchronises')
case('garbage-between', wire(1, 1, b'') + b'hello world\r\n' + wire(1, 2, b''), [F(1, 1, b''), {'error': 'cobs'}, F(1, 2, b'')], doc='text noise between frames')
case('oversized-garbage', b'\x00' + b'\x01' * 5000 + b'\x00' + wire(1, 3, b''), [{'error': 'oversized'}, F(1, 3, b'')], doc='5000 bytes without a delimiter, bounded then dropped')
case('payload-4097', wire(3, 4, bytes([1]) * 4097) + wire(1, 4, b''), [{'error': 'oversized'}, F(1, 4, b'')], doc='one byte over MAX_PAYLOAD: its encoding exceeds the decoder buffer')
case('length-mismatch', b'\x00' + cobs_enc(raw(3, 8, b'\x01\x02\x03', length=5)) + b'\x00', [{'error': 'length'}], doc='valid CRC, header length disagrees')
case('other-version', wire(1, 1, b'', version=VERSION - 1), [F(1, 1, b'', version=VERSION - 1)], doc='a frame of the previous protocol version: framing accepts it; the message layer rejects the version')
case('empty-frames', b'\x00\x00\x00', [], doc='delimiters alone are ignored')
case('missing-delimiter', wire(1, 1, b'')[:-1], [], doc='no trailing delimiter yet: nothing emitted, bytes held')
case('missing-delimiter-then-frame', wire(1, 1, b'')[:-1] + wire(1, 2, b''), [F(1, 1, b''), F(1, 2, b'')], doc='the next frame\'s leading delimiter completes it')
case('zero-code-inside', b'\x00\x05\x01\x02\x00', [{'error': 'cobs'}], doc='a COBS block running past the delimiter')

# Protocol v2: inputs larger than one frame are staged with INPUT_CHUNK {offset:u32le, bytes}, then
# run by an INFER with an empty payload.
chunk = bytes((i * 13 + 5) & 0xff for i in range(4092))
p_chunk = struct.pack('<I', 4092) + chunk
case('input-chunk-max', wire(ID['INPUT_CHUNK'], 0x0102, p_chunk), [F(ID['INPUT_CHUNK'], 0x0102, p_chunk)],
     {'type': ID['INPUT_CHUNK'], 'seq': 0x0102, 'payload': p_chunk.hex()}, 'INPUT_CHUNK at offset 4092 with 4092 bytes: a full 4096-byte payload')
p_last = struct.pack('<I', 8184) + chunk[:1032]
case('input-chunk-last', wire(ID['INPUT_CHUNK'], 0x0103, p_last), [F(ID['INPUT_CHUNK'], 0x0103, p_last)],
     {'type': ID['INPUT_CHUNK'], 'seq': 0x0103, 'payload': p_last.hex()}, 'the last chunk of a 9216-byte input (offset 8184, 1032 bytes)')
case('staged-infer', wire(ID['INPUT_CHUNK'], 9, struct.pack('<I', 0) + b'\x80\x7f') + wire(ID['ACK'], 9, bytes([ID['INPUT_CHUNK']])) + wire(ID['INFER'], 10, b''),
     [F(ID['INPUT_CHUNK'], 9, struct.pack('<I', 0) + b'\x80\x7f'), F(ID['ACK'], 9, bytes([ID['INPUT_CHUNK']])), F(ID['INFER'], 10, b'')],
     doc='a chunk at offset 0, its ACK, then INFER with an empty payload (run on the staged input)')
p_err = struct.pack('<HB', ERRC['NOT_STAGED'], 10) + b'not staged'
case('error-not-staged', wire(ID['ERROR'], 11, p_err), [F(ID['ERROR'], 11, p_err)], {'type': ID['ERROR'], 'seq': 11, 'payload': p_err.hex()}, 'ERROR NOT_STAGED with its text')

out = {'$comment': 'Produced by tests/device/make-frames.py (Python zlib.crc32 + an independent COBS encoder). Hex wire bytes and the events a decoder must report, fed whole or byte by byte.', 'cases': cases}
path = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'frames.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
