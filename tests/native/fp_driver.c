// Test-only driver for firmware/native/tf_fixedpoint.h (tests/native/fixedpoint.test.ts).
// Reads lines "OP A B" from stdin and prints one integer result per line:
//   srdhm a b | rdbpot x e | mbqm x m s (s in the next token) | exp x intbits | logistic x bits | tanh x bits
//   | recip x (one_over_one_plus_x)
#include <stdio.h>
#include <string.h>

#include "tf_fixedpoint.h"

int main(void) {
  char op[16];
  long a, b, c;
  while (scanf("%15s %ld %ld", op, &a, &b) == 3) {
    int32_t r = 0;
    if (!strcmp(op, "srdhm")) r = tf_fp_srdhm((int32_t)a, (int32_t)b);
    else if (!strcmp(op, "rdbpot")) r = tf_fp_rdbpot((int32_t)a, (int)b);
    else if (!strcmp(op, "mbqm")) {
      if (scanf("%ld", &c) != 1) return 2;
      r = tf_fp_mbqm((int32_t)a, (int32_t)b, (int)c);
    } else if (!strcmp(op, "exp")) r = tf_fp_exp_on_negative_values((int32_t)a, (int)b);
    else if (!strcmp(op, "logistic")) r = tf_fp_logistic((int32_t)a, (int)b);
    else if (!strcmp(op, "tanh")) r = tf_fp_tanh((int32_t)a, (int)b);
    else if (!strcmp(op, "recip")) r = tf_fp_one_over_one_plus_x((int32_t)a);
    else return 3;
    printf("%ld\n", (long)r);
  }
  return 0;
}
