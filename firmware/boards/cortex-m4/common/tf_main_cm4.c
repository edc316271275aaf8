// tinyforge: entry point of the Makefile Cortex-M4F boards. Hand-written.
#include "tf_app.h"
#include "tf_board.h"

int main(void) {
  tf_board_init();
  tf_app_init();
  for (;;) tf_app_poll();
}
