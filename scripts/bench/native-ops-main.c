// tinyforge bench only (scripts/bench/native-ops.ts; not part of any firmware): per-operator
// instruction counts of a generated native engine on QEMU mps2-an386 under -icount shift=0.
// The bench inserts `tf_prof[i] = tf_prof_now();` before each operator call of tf_model_native.c
// and writes prof_data.h (the input, the host interpreter's expected output). SysTick runs at
// 25 MHz = one tick per 40 instructions; its wraps are counted. Output goes through semihosting:
// "TOTAL t", "MARKS m0 m1 …", "EXACT 0|1", then the program exits.
#include <stdint.h>
#include <string.h>

#include "prof_data.h"
#include "tf_engine.h"

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)

volatile uint32_t tf_prof[PROF_N + 1];
static volatile uint32_t wraps;

void tf_cm4_systick_isr(void) { wraps++; }

uint32_t tf_prof_now(void);
uint32_t tf_prof_now(void) {
  uint32_t w, v;
  do {
    w = wraps;
    v = SYST_CVR;
  } while (w != wraps);
  return w * 0x1000000u + (0xFFFFFFu - v);
}

static void semihost(int op, const void* arg) {
  register int r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

static void put(const char* s) { semihost(0x04, s); }  // SYS_WRITE0

static void put_u32(uint32_t v) {
  char t[12], s[13];
  int n = 0, k = 0;
  do {
    t[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) s[k++] = t[--n];
  s[k++] = ' ';
  s[k] = 0;
  put(s);
}

static uint8_t out[PROF_OUT_BYTES];

int main(void) {
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 7;  // enable, interrupt on wrap, processor clock
  (void)tf_engine_init();
  const uint32_t t0 = tf_prof_now();
  const int rc = tf_engine_invoke(prof_in, sizeof prof_in, out, sizeof out);
  const uint32_t t1 = tf_prof_now();
  put("TOTAL ");
  put_u32(t1 - t0);
  put("\nMARKS ");
  for (int i = 0; i <= PROF_N; ++i) put_u32(tf_prof[i]);
  put("\nEXACT ");
  put_u32(rc == 0 && memcmp(out, prof_want, sizeof out) == 0);
  put("\n");
  static const uint32_t stop[2] = {0x20026u, 0};  // ADP_Stopped_ApplicationExit
  semihost(0x18, stop);                           // SYS_EXIT
  for (;;) {
  }
}
