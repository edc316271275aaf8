/* libFuzzer harness for firmware/core/tf_link.c (built with clang -fsanitize=fuzzer,address,undefined
 * by tests/fuzz/libfuzzer.int.test.ts). Properties, checked with abort() so the fuzzer reports them:
 *  - any byte stream decodes without a memory or UB error; every status is one of tf_link_status_t;
 *  - a decoded frame's payload fits TF_PROTO_MAX_PAYLOAD and re-encodes to a frame that decodes to
 *    the same version/type/seq/payload;
 *  - the input taken as a payload (type/seq from its first bytes) encodes and decodes back exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tf_link.h"

static tf_link_decoder_t dec, dec2;
static uint8_t wire[TF_LINK_MAX_WIRE];

static void check_roundtrip(uint8_t version, uint8_t type, uint16_t seq, const uint8_t* payload, size_t len) {
  size_t w, i, frames = 0;
  if (version != TF_PROTO_VERSION) return; /* the encoder writes only the current version */
  w = tf_link_encode(type, seq, payload, len, wire, sizeof wire);
  if (len <= TF_PROTO_MAX_PAYLOAD && w == 0) abort();
  if (len > TF_PROTO_MAX_PAYLOAD) {
    if (w != 0) abort();
    return;
  }
  tf_link_decoder_init(&dec2);
  for (i = 0; i < w; i++) {
    tf_link_status_t s = tf_link_push(&dec2, wire[i]);
    if (s < 0) abort();
    if (s == TF_LINK_FRAME) {
      frames++;
      if (dec2.type != type || dec2.seq != seq || dec2.payload_len != len) abort();
      if (len && memcmp(dec2.payload, payload, len) != 0) abort();
    }
  }
  if (frames != 1) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t i;
  tf_link_decoder_init(&dec);
  for (i = 0; i < size; i++) {
    tf_link_status_t s = tf_link_push(&dec, data[i]);
    if (s < TF_LINK_ERR_OVERSIZED || s > TF_LINK_FRAME) abort();
    if (s == TF_LINK_FRAME) {
      static uint8_t copy[TF_PROTO_MAX_PAYLOAD];
      uint8_t version = dec.version, type = dec.type;
      uint16_t seq = dec.seq;
      size_t len = dec.payload_len;
      if (len > TF_PROTO_MAX_PAYLOAD) abort();
      memcpy(copy, dec.payload, len);
      check_roundtrip(version, type, seq, copy, len);
    }
  }
  if (size >= 3) check_roundtrip(TF_PROTO_VERSION, data[0], (uint16_t)(data[1] | (data[2] << 8)), data + 3, size - 3);
  return 0;
}
