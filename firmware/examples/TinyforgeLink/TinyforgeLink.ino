// tinyforge example: "tinyforge link", the device app that tinyforge verify, monitor, capture and
// the studio talk to over the serial port (the framed protocol of tf_protocol.h). It is a client
// of the same library (tf_model.h) as your own sketch: flash it to check the model on the board
// bit for bit with `tinyforge verify`, then switch to your sketch.
#include <tinyforge.h>

void setup(void) {
  tf_board_init();
  tf_app_init();
}

void loop(void) { tf_app_poll(); }
