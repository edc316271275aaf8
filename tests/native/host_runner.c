// Test-only host runner for the native engine (tests/native): links a generated
// tf_model_native.c with the portable kernels and runs one inference per file pair.
// Usage: host_runner IN_1 OUT_1 [IN_2 OUT_2 ...]: reads raw input bytes from IN_k, writes the raw
// output bytes to OUT_k. Exit status 0 on success; prints the reason and exits non-zero otherwise.
#include <stdio.h>
#include <stdlib.h>

#include "tf_engine.h"

static unsigned char* read_file(const char* path, long* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* buf = (unsigned char*)malloc((size_t)(*len > 0 ? *len : 1));
  if (buf && fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

int main(int argc, char** argv) {
  if (argc < 3 || (argc - 1) % 2 != 0) {
    fprintf(stderr, "usage: %s IN OUT [IN OUT ...]\n", argv[0]);
    return 2;
  }
  if (tf_engine_init() != 0) {
    fprintf(stderr, "tf_engine_init failed\n");
    return 3;
  }
  tf_engine_info_t info;
  tf_engine_info(&info);
  unsigned char* out = (unsigned char*)malloc(info.output_bytes ? info.output_bytes : 1);
  for (int k = 1; k + 1 < argc; k += 2) {
    long len = 0;
    unsigned char* in = read_file(argv[k], &len);
    if (!in) {
      fprintf(stderr, "cannot read %s\n", argv[k]);
      return 4;
    }
    int rc = tf_engine_invoke(in, (size_t)len, out, info.output_bytes);
    free(in);
    if (rc != 0) {
      fprintf(stderr, "tf_engine_invoke(%s) returned %d\n", argv[k], rc);
      return 5;
    }
    FILE* f = fopen(argv[k + 1], "wb");
    if (!f || fwrite(out, 1, info.output_bytes, f) != info.output_bytes) {
      fprintf(stderr, "cannot write %s\n", argv[k + 1]);
      return 6;
    }
    fclose(f);
  }
  printf("{\"name\":\"%s\",\"arena_bytes\":%u,\"input_bytes\":%u,\"output_bytes\":%u,\"op_count\":%u}\n", info.name,
         (unsigned)info.arena_bytes, (unsigned)info.input_bytes, (unsigned)info.output_bytes, (unsigned)info.op_count);
  free(out);
  return 0;
}
