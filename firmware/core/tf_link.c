// tinyforge: framing codec. See tf_link.h for the wire format.
#include "tf_link.h"

uint32_t tf_link_crc32(const uint8_t* data, size_t n) {
  // Bitwise rather than a 1 KiB table: frames are small and flash is scarce on the smallest boards.
  uint32_t c = 0xFFFFFFFFu;
  size_t i;
  int k;
  for (i = 0; i < n; i++) {
    c ^= data[i];
    for (k = 0; k < 8; k++) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
  }
  return c ^ 0xFFFFFFFFu;
}

void tf_link_decoder_init(tf_link_decoder_t* d) {
  d->n = 0;
  d->overflow = 0;
  d->version = 0;
  d->type = 0;
  d->seq = 0;
  d->payload = 0;
  d->payload_len = 0;
}

static uint32_t rd32(const uint8_t* p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

// COBS decode in place (the output never overtakes the input). Returns decoded length or -1.
static long cobs_decode_in_place(uint8_t* buf, size_t n) {
  size_t i = 0, o = 0;
  while (i < n) {
    uint8_t code = buf[i++];
    uint8_t k;
    if (code == 0 || i + code - 1 > n) return -1;
    for (k = 1; k < code; k++) buf[o++] = buf[i++];
    if (code < 0xFF && i < n) buf[o++] = 0;
  }
  return (long)o;
}

static tf_link_status_t finish(tf_link_decoder_t* d) {
  long len;
  size_t body;
  if (d->overflow) return TF_LINK_ERR_OVERSIZED;
  if (d->n == 0) return TF_LINK_NONE;
  len = cobs_decode_in_place(d->buf, d->n);
  if (len < 0) return TF_LINK_ERR_COBS;
  if ((size_t)len < TF_PROTO_HEADER_BYTES + TF_PROTO_CRC_BYTES) return TF_LINK_ERR_SHORT;
  if ((size_t)len > TF_LINK_MAX_RAW) return TF_LINK_ERR_OVERSIZED;
  body = (size_t)len - TF_PROTO_CRC_BYTES;
  if (rd32(d->buf + body) != tf_link_crc32(d->buf, body)) return TF_LINK_ERR_CRC;
  if (((size_t)d->buf[4] | ((size_t)d->buf[5] << 8)) != body - TF_PROTO_HEADER_BYTES) return TF_LINK_ERR_LENGTH;
  d->version = d->buf[0];
  d->type = d->buf[1];
  d->seq = (uint16_t)(d->buf[2] | (d->buf[3] << 8));
  d->payload = d->buf + TF_PROTO_HEADER_BYTES;
  d->payload_len = body - TF_PROTO_HEADER_BYTES;
  return TF_LINK_FRAME;
}

tf_link_status_t tf_link_push(tf_link_decoder_t* d, uint8_t byte) {
  tf_link_status_t s;
  if (byte != TF_PROTO_DELIMITER) {
    if (d->n < sizeof d->buf) d->buf[d->n++] = byte;
    else d->overflow++;
    return TF_LINK_NONE;
  }
  s = finish(d);
  d->n = 0;
  d->overflow = 0;
  return s;
}

// The encoder reads header, payload and CRC as one virtual sequence so no raw copy is needed.
typedef struct {
  const uint8_t* seg[3];
  size_t len[3];
} rawseq_t;

static uint8_t raw_at(const rawseq_t* r, size_t i) {
  int s;
  for (s = 0; s < 3; s++) {
    if (i < r->len[s]) return r->seg[s][i];
    i -= r->len[s];
  }
  return 0;
}

size_t tf_link_encode(uint8_t type, uint16_t seq, const uint8_t* payload, size_t len, uint8_t* out, size_t out_cap) {
  uint8_t header[TF_PROTO_HEADER_BYTES];
  uint8_t crc_le[TF_PROTO_CRC_BYTES];
  uint32_t crc, c;
  rawseq_t r;
  size_t total, i, o, code_at, need;
  uint8_t code;
  int k;
  if (len > TF_PROTO_MAX_PAYLOAD) return 0;
  total = TF_PROTO_HEADER_BYTES + len + TF_PROTO_CRC_BYTES;
  need = total + (total + 253) / 254 + 1 + 2;
  if (out_cap < need) return 0;
  header[0] = TF_PROTO_VERSION;
  header[1] = type;
  header[2] = (uint8_t)(seq & 0xFF);
  header[3] = (uint8_t)(seq >> 8);
  header[4] = (uint8_t)(len & 0xFF);
  header[5] = (uint8_t)(len >> 8);
  // CRC over header then payload, continuing the same register.
  c = 0xFFFFFFFFu;
  for (i = 0; i < TF_PROTO_HEADER_BYTES + len; i++) {
    c ^= i < TF_PROTO_HEADER_BYTES ? header[i] : payload[i - TF_PROTO_HEADER_BYTES];
    for (k = 0; k < 8; k++) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
  }
  crc = c ^ 0xFFFFFFFFu;
  crc_le[0] = (uint8_t)crc;
  crc_le[1] = (uint8_t)(crc >> 8);
  crc_le[2] = (uint8_t)(crc >> 16);
  crc_le[3] = (uint8_t)(crc >> 24);
  r.seg[0] = header;
  r.len[0] = TF_PROTO_HEADER_BYTES;
  r.seg[1] = payload;
  r.len[1] = len;
  r.seg[2] = crc_le;
  r.len[2] = TF_PROTO_CRC_BYTES;

  out[0] = TF_PROTO_DELIMITER;
  code_at = 1;
  o = 2;
  code = 1;
  for (i = 0; i < total; i++) {
    uint8_t b = raw_at(&r, i);
    if (b == 0) {
      out[code_at] = code;
      code_at = o++;
      code = 1;
    } else {
      out[o++] = b;
      if (++code == 0xFF) {
        out[code_at] = code;
        code_at = o++;
        code = 1;
      }
    }
  }
  out[code_at] = code;
  out[o++] = TF_PROTO_DELIMITER;
  return o;
}
