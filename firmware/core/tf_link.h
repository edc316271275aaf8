// tinyforge: the device link's framing codec (C99, no dynamic allocation). Hand-written.
//
// Wire format (schemas/protocol.json "framing", constants in tf_protocol.h):
//   0x00, COBS(header || payload || crc32), 0x00
//   header = version:u8, type:u8, seq:u16le, length:u16le;  crc32 = CRC-32/ISO-HDLC (zlib) of
//   header || payload, little-endian;  payload <= TF_PROTO_MAX_PAYLOAD bytes.
// The decoder is incremental (one byte at a time), bounded (TF_LINK_MAX_ENCODED bytes of state)
// and reports corrupt frames as status values; it resynchronises on every 0x00.
#ifndef TINYFORGE_TF_LINK_H_
#define TINYFORGE_TF_LINK_H_

#include <stddef.h>
#include <stdint.h>

#include "tf_protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest header + payload + CRC, and its largest COBS encoding (without delimiters). */
#define TF_LINK_MAX_RAW (TF_PROTO_HEADER_BYTES + TF_PROTO_MAX_PAYLOAD + TF_PROTO_CRC_BYTES)
#define TF_LINK_MAX_ENCODED (TF_LINK_MAX_RAW + (TF_LINK_MAX_RAW + 253) / 254 + 1)
/** Largest frame on the wire, both delimiters included: size of an encode buffer that always fits. */
#define TF_LINK_MAX_WIRE (TF_LINK_MAX_ENCODED + 2)

/** What tf_link_push() saw. Negative values are corrupt frames, already discarded. */
typedef enum {
  TF_LINK_NONE = 0,      /**< byte stored, no frame finished */
  TF_LINK_FRAME = 1,     /**< a valid frame: see the decoder's version/type/seq/payload */
  TF_LINK_ERR_COBS = -1, /**< malformed COBS (e.g. a frame cut short) */
  TF_LINK_ERR_SHORT = -2,/**< fewer bytes than header + CRC */
  TF_LINK_ERR_CRC = -3,  /**< CRC mismatch */
  TF_LINK_ERR_LENGTH = -4,   /**< header length differs from the bytes received */
  TF_LINK_ERR_OVERSIZED = -5 /**< more than TF_LINK_MAX_ENCODED bytes before a delimiter */
} tf_link_status_t;

typedef struct {
  uint8_t buf[TF_LINK_MAX_ENCODED];
  size_t n;          /**< encoded bytes held */
  size_t overflow;   /**< bytes dropped past the buffer (frame will be reported oversized) */
  /* The last frame, valid after TF_LINK_FRAME until the next tf_link_push(). */
  uint8_t version;
  uint8_t type;
  uint16_t seq;
  const uint8_t* payload;
  size_t payload_len;
} tf_link_decoder_t;

void tf_link_decoder_init(tf_link_decoder_t* d);

/** Feed one received byte. */
tf_link_status_t tf_link_push(tf_link_decoder_t* d, uint8_t byte);

/** CRC-32/ISO-HDLC. */
uint32_t tf_link_crc32(const uint8_t* data, size_t n);

/**
 * Encode one frame (both delimiters) into `out`. Returns the bytes written, or 0 when the payload
 * exceeds TF_PROTO_MAX_PAYLOAD or `out_cap` is too small (TF_LINK_MAX_WIRE always suffices).
 */
size_t tf_link_encode(uint8_t type, uint16_t seq, const uint8_t* payload, size_t len, uint8_t* out, size_t out_cap);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // TINYFORGE_TF_LINK_H_
