// tinyforge: the host board — tf_board.h on Linux, for tests and benchmarks without QEMU.
//
// The serial link is stdin/stdout, or (with --pty) a pseudo-terminal this process creates, whose
// slave path it announces on stderr exactly as QEMU does ("char device redirected to /dev/pts/N
// (label serial0)") so one launcher serves both. Counter kind 0 (none); micros from CLOCK_MONOTONIC.
// With --imu-rate HZ a synthetic accelerometer produces sample n at n/HZ seconds:
//   x = 0.5 sin(2πn/50), y = 0.5 cos(2πn/50), z = 1 (g), behind a 1024-sample FIFO (older unread
//   samples are overwritten, as on a real IMU, whose FIFO is shorter: this board is a test
//   harness and a loaded CI machine may not schedule it for a few hundred ms); without it the
//   board has no IMU.
// With --trace-samples FILE (tests) every raw IMU sample handed to the app is logged as
// "r <x> <y> <z>" and every model-rate sample the app's resampler produces as "s <index> <v>…",
// values as the hex bits of the float32 (exact), one line each, flushed per line.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tf_app.h"
#include "tf_board.h"

static int in_fd = 0, out_fd = 1, keep_slave_fd = -1;
static double imu_rate;
static unsigned long imu_n;
static struct timespec t_start;
static int last_led = -2;
static FILE* trace;

static void trace_floats(const float* v, int n) {
  int i;
  for (i = 0; i < n; i++) {
    uint32_t b;
    memcpy(&b, &v[i], 4);
    fprintf(trace, " %08x", (unsigned)b);
  }
  fputc('\n', trace);
  fflush(trace);
}

static void trace_model_sample(const float* values, uint32_t index) {
  fprintf(trace, "s %u", (unsigned)index);
  trace_floats(values, 3);
}
#define HOST_IMU_FIFO 1024

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t_start.tv_sec) + (double)(t.tv_nsec - t_start.tv_nsec) * 1e-9;
}

void tf_board_init(void) { clock_gettime(CLOCK_MONOTONIC, &t_start); }

const char* tf_board_name(void) { return "host"; }

size_t tf_board_read(uint8_t* buf, size_t max) {
  struct pollfd p;
  ssize_t n;
  p.fd = in_fd;
  p.events = POLLIN;
  // Waiting up to 1 ms keeps the idle loop off the CPU and still well inside any IMU period.
  if (poll(&p, 1, 1) <= 0) return 0;
  n = read(in_fd, buf, max);
  if (n == 0 && in_fd == 0) exit(0);  // stdin closed: the host is done with us
  return n > 0 ? (size_t)n : 0;
}

void tf_board_write(const uint8_t* buf, size_t n) {
  while (n) {
    ssize_t w = write(out_fd, buf, n);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      exit(0);  // peer gone
    }
    buf += w;
    n -= (size_t)w;
  }
}

uint32_t tf_board_micros(void) { return (uint32_t)(unsigned long long)(seconds() * 1e6); }
uint32_t tf_board_counter(void) { return 0; }
int tf_board_counter_kind(void) { return 0; }

int tf_board_imu_read(float xyz[3]) {
  double ph;
  double due;
  if (imu_rate <= 0) return -1;
  due = seconds() * imu_rate;
  if (due < (double)imu_n) return 0;
  // Like a real IMU's FIFO: samples nobody read in time are overwritten, not queued forever.
  if (due - (double)imu_n > (double)HOST_IMU_FIFO) imu_n = (unsigned long)due - HOST_IMU_FIFO;
  ph = 2.0 * 3.14159265358979323846 * (double)(imu_n % 50) / 50.0;
  xyz[0] = (float)(0.5 * sin(ph));
  xyz[1] = (float)(0.5 * cos(ph));
  xyz[2] = 1.0f;
  imu_n++;
  if (trace) {
    fputs("r", trace);
    trace_floats(xyz, 3);
  }
  return 1;
}

float tf_board_imu_rate_hz(void) { return (float)imu_rate; }

void tf_board_led(int class_index) {
  // Visible to a human running the host board by hand; silent in tests (stderr is a pipe there).
  if (class_index != last_led && getenv("TF_HOST_LED")) fprintf(stderr, "led %d\n", class_index);
  last_led = class_index;
}

uint32_t tf_board_flash_used(void) { return 0; }
uint32_t tf_board_ram_used(void) { return 0; }

static int open_pty(void) {
  struct termios t;
  const char* name;
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || !(name = ptsname(m))) return -1;
  // Holding the slave open keeps reads on the master from failing (EIO) before/after the host
  // connects, and raw mode stops the line discipline rewriting bytes (\n → \r\n, echo).
  keep_slave_fd = open(name, O_RDWR | O_NOCTTY);
  if (keep_slave_fd < 0 || tcgetattr(keep_slave_fd, &t) != 0) return -1;
  cfmakeraw(&t);
  tcsetattr(keep_slave_fd, TCSANOW, &t);
  fprintf(stderr, "char device redirected to %s (label serial0)\n", name);
  fflush(stderr);
  return m;
}

int main(int argc, char** argv) {
  int i, pty = 0;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--pty") == 0) pty = 1;
    else if (strcmp(argv[i], "--imu-rate") == 0 && i + 1 < argc) imu_rate = atof(argv[++i]);
    else if (strcmp(argv[i], "--trace-samples") == 0 && i + 1 < argc) {
      trace = fopen(argv[++i], "w");
      if (!trace) {
        perror("--trace-samples");
        return 2;
      }
    } else {
      fprintf(stderr, "usage: %s [--pty] [--imu-rate HZ] [--trace-samples FILE]\n", argv[0]);
      return 2;
    }
  }
  if (pty) {
    int m = open_pty();
    if (m < 0) {
      perror("pty");
      return 1;
    }
    in_fd = out_fd = m;
  }
  tf_board_init();
  tf_app_init();
  if (trace) tf_app_set_sample_hook(trace_model_sample);
  for (;;) tf_app_poll();
}
