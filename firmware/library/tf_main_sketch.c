// tinyforge: entry point of a library example on a Makefile board (the virtual board, a generic
// Cortex-M): what the Arduino core does for a sketch. Hand-written; lives in extras/ so the
// Arduino IDE never compiles it.
void setup(void);
void loop(void);

int main(void) {
  setup();
  for (;;) loop();
}
