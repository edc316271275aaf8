#!/usr/bin/env bash
# Installs everything tinyforge needs on a fresh Debian machine; idempotent and quick when done.
#  - Debian packages: the Arm cross compiler + newlib (firmware), QEMU (the virtual board),
#    gcc/make (host-compiled C kernel tests), clang with libFuzzer + ASan/UBSan (C fuzz harnesses),
#    chromium (the studio's end-to-end browser tests), redis-server (tune's BullMQ queue and its tests).
#  - npm packages from package-lock.json. @tensorflow/tfjs-node is optional: its install script
#    downloads libtensorflow from a host outside the npm registry, so it may be absent; tinyforge
#    then trains on the wasm backend (or cpu).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v arm-none-eabi-gcc >/dev/null 2>&1 || need+=(gcc-arm-none-eabi)
[ -e /usr/lib/arm-none-eabi/newlib/libc.a ] || [ -e /usr/lib/arm-none-eabi/lib/libc.a ] || need+=(libnewlib-arm-none-eabi)
command -v qemu-system-arm >/dev/null 2>&1 || need+=(qemu-system-arm)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v make >/dev/null 2>&1 || need+=(make)
# clang + its libFuzzer/sanitizer runtime: the C fuzz harnesses (tests/fuzz/libfuzzer.int.test.ts).
command -v clang >/dev/null 2>&1 || need+=(clang)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null || need+=(libclang-rt-14-dev)
# Debian's chromium: the studio's browser tests (tests/studio/chromium.e2e.test.ts).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Redis: tinyforge tune's BullMQ queue (tune --queue / worker); the tests start their own redis-server.
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Native addons (serialport's fallback build, tfjs-tflite-node's binding for the real-TFLite test)
# compile with node-gyp, which would download Node's headers from outside the npm registry unless
# it is pointed at the headers Debian's nodejs ships.
if [ -z "${npm_config_nodedir:-}" ] && [ -e /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# The studio's front end (studio/ → studio/dist), bundled with Vite from the installed packages:
# rebuilt when a source is newer than the bundle.
if [ ! -e studio/dist/index.html ] || [ -n "$(find studio/index.html studio/vite.config.ts studio/src src/studio/wire.ts -newer studio/dist/index.html 2>/dev/null | head -1)" ]; then
  echo "setup: building the studio front end (vite)" >&2
  node_modules/.bin/vite build -c studio/vite.config.ts
fi
