/* Host test driver for firmware/core/tf_link.c, used by tests/device/link-c.test.ts.
 * stdin, one command per line:
 *   D <mode> <hex>   decode the wire bytes (mode w = whole, b = byte by byte: identical for this
 *                    byte-wise decoder, kept so both paths of the table run), print one line per
 *                    event ("F ver type seq payloadhex" or "E kind"), then "END".
 *   E type seq <hex> encode, print the wire hex.  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tf_link.h"

static tf_link_decoder_t dec;
static uint8_t wire[TF_LINK_MAX_WIRE * 4];
static char line[TF_LINK_MAX_WIRE * 8 + 64];

static size_t unhex(const char* s, uint8_t* out, size_t cap) {
  size_t n = 0;
  while (s[0] && s[1] && s[0] != '\n' && n < cap) {
    unsigned v;
    if (sscanf(s, "%2x", &v) != 1) break;
    out[n++] = (uint8_t)v;
    s += 2;
  }
  return n;
}

int main(void) {
  static const char* names[] = {"", "cobs", "short", "crc", "length", "oversized"};
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] == 'D') {
      size_t n = unhex(line + 4, wire, sizeof wire), i, j;
      tf_link_decoder_init(&dec);
      for (i = 0; i < n; i++) {
        tf_link_status_t s = tf_link_push(&dec, wire[i]);
        if (s == TF_LINK_FRAME) {
          printf("F %u %u %u ", dec.version, dec.type, dec.seq);
          for (j = 0; j < dec.payload_len; j++) printf("%02x", dec.payload[j]);
          printf("\n");
        } else if (s < 0) {
          printf("E %s\n", names[-s]);
        }
      }
      printf("END\n");
    } else if (line[0] == 'E') {
      unsigned type, seq;
      int off = 0;
      static uint8_t payload[TF_PROTO_MAX_PAYLOAD + 8];
      size_t n, w, i;
      if (sscanf(line + 2, "%u %u %n", &type, &seq, &off) < 2) return 2;
      n = unhex(line + 2 + off, payload, sizeof payload);
      w = tf_link_encode((uint8_t)type, (uint16_t)seq, payload, n, wire, sizeof wire);
      for (i = 0; i < w; i++) printf("%02x", wire[i]);
      printf("\n");
    }
    fflush(stdout);
  }
  return 0;
}
