// Honest footprints: ELFs built here with arm-none-eabi-gcc and linker scripts written here — one
// laid out like the Arduino mbed core's Nano 33 BLE script (its section names and its .heap that
// grows to fill RAM, read from ArduinoCore-mbed variants/ARDUINO_NANO33BLE/linker_script.ld; the
// text below is our own) — measured by memoryReport and checked independently against
// `arm-none-eabi-size -A` summed with the mbed core's own platform.txt size regexes.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { BOARDS, getBoard } from '../../src/firmware/boards.js';
import { TOOLS } from '../../src/firmware/build.js';
import { runSteps } from '../../src/adapters/processes.js';
import { boardMemoryLimits, checkFit, elfFootprint, linkOverflow, linkerScriptLimits, memoryReport, requireFit } from '../../src/firmware/footprint.js';

const hasArmGcc = spawnSync('arm-none-eabi-gcc', ['--version'], { stdio: 'ignore' }).status === 0;

/** An mbed-like script: FLASH after a bootloader, NVIC and crash-data RAM first, .heap up to RAM end − 2 KiB, .stack 2 KiB. */
function mbedLikeScript(flashLen: string, ramBytes: number): string {
  return `
MEMORY
{
  FLASH (rx) : ORIGIN = 0x10200, LENGTH = ${flashLen}
  RAM_NVIC (rwx) : ORIGIN = 0x20000000, LENGTH = 0x100
  RAM_CRASH_DATA (rwx) : ORIGIN = 0x20000100, LENGTH = 0x100
  RAM (rwx) : ORIGIN = 0x20000200, LENGTH = ${ramBytes - 0x200}
}
ENTRY(Reset_Handler)
SECTIONS
{
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  __etext = .;
  .data : AT (__etext) { *(.data*) . = ALIGN(8); } > RAM
  .nvictable (NOLOAD) : { . += 0x100; } > RAM_NVIC
  .crash_data_ram (NOLOAD) : { . += 0x100; } > RAM_CRASH_DATA
  .noinit (NOLOAD) : { *(.noinit) } > RAM
  .bss : { . = ALIGN(8); *(.bss*) *(COMMON) . = ALIGN(8); } > RAM
  .heap (NOLOAD) : { ASSERT(. <= ORIGIN(RAM) + LENGTH(RAM) - 2048, "heap region overflowed into stack"); . = ORIGIN(RAM) + LENGTH(RAM) - 2048; } > RAM
  .stack (NOLOAD) : { . = ORIGIN(RAM) + LENGTH(RAM); } > RAM
}
`;
}

function program(bssBytes: number, rodataBytes: number): string {
  return `
unsigned char big_bss[${bssBytes}];
int some_data[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
const unsigned char table[${rodataBytes}] = {1};
__attribute__((section(".vectors"), used)) const void *vectors[2] = {0, 0};
void Reset_Handler(void) {
  volatile unsigned char *p = big_bss;
  for (unsigned i = 0; i < sizeof big_bss; i++) p[i] = table[i % sizeof table] + (unsigned char)some_data[i % 10];
  for (;;) {}
}
`;
}

/** Compiles and links; returns the ELF path, or the link output on failure. */
function link(dir: string, name: string, script: string, src: string): { elf?: string; output: string } {
  writeFileSync(join(dir, `${name}.ld`), script);
  writeFileSync(join(dir, `${name}.c`), src);
  const r = spawnSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-O1', '-nostdlib', '-T', join(dir, `${name}.ld`), join(dir, `${name}.c`), '-o', join(dir, `${name}.elf`)], { encoding: 'utf8' });
  return r.status === 0 ? { elf: join(dir, `${name}.elf`), output: r.stderr } : { output: r.stderr + r.stdout };
}

/** arduino-cli's figures: `size -A` lines summed with the mbed core's recipe.size.regex / .data. */
function arduinoCliSizes(elf: string): { flash: number; ram: number } {
  const out = execFileSync('arm-none-eabi-size', ['-A', elf], { encoding: 'utf8' });
  const sum = (re: RegExp) => [...out.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  return { flash: sum(/^(?:\.data|\.text)\S*?\s+([0-9]+).*/gm), ram: sum(/^(?:\.data|\.bss)\s+([0-9]+).*/gm) };
}

describe.skipIf(!hasArmGcc)('footprint on a Nano-like (mbed) layout: what arduino-cli reports, the heap stated separately', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-footprint-'));

  it('static RAM is data + bss (not the whole 256 KiB the growing .heap spans); flash and RAM equal arduino-cli\'s figures', () => {
    const { elf, output } = link(dir, 'fits', mbedLikeScript('0xefe00', 262_144), program(100_000, 5000));
    expect(elf, output).toBeTruthy();
    const fp = elfFootprint(readFileSync(elf!));
    // The old figure: every RAM section, so nearly all of RAM (the bug the issue reports).
    expect(fp.ram).toBeGreaterThan(261_000);
    const m = memoryReport(fp, 'arduino-mbed');
    expect({ flash: m.flash, ram: m.ram }).toEqual(arduinoCliSizes(elf!));
    // 100,000 B of bss and 40 B of data, each section padded to 8 bytes.
    expect(m.ram).toBeGreaterThanOrEqual(100_040);
    expect(m.ram).toBeLessThan(100_100);
    expect(m.reserved.stack).toBe(2048);
    expect(m.reserved.other).toBe(0x200); // NVIC table + crash data: in the 256 KiB, not in arduino-cli's count
    // The heap is the rest of RAM: 262,144 − 0x200 − 2048 − static RAM.
    expect(m.reserved.heap).toBe(262_144 - 0x200 - 2048 - m.ram);
    const fit = requireFit(m, boardMemoryLimits(getBoard('nano33ble'))!, 'nano33ble');
    expect(fit.ramNeeded).toBe(m.ram + 2048 + 0x200);
  });

  it('an image over the Nano 33 BLE limits (linked against a roomier script) fails with exit 3, naming RAM and flash and by how much', () => {
    // A script with 512 KiB RAM and 2 MiB flash links what the real board cannot hold.
    const { elf, output } = link(dir, 'big', mbedLikeScript('0x200000', 524_288), program(300_000, 1_000_000));
    expect(elf, output).toBeTruthy();
    const m = memoryReport(elfFootprint(readFileSync(elf!)), 'arduino-mbed');
    expect(arduinoCliSizes(elf!).ram).toBe(m.ram);
    const lim = boardMemoryLimits(getBoard('nano33ble'))!;
    expect(lim).toMatchObject({ flashBytes: 983_040, ramBytes: 262_144 });
    expect(checkFit(m, lim).fits).toBe(false);
    const err = (() => {
      try {
        requireFit(m, lim, 'nano33ble');
      } catch (e) {
        return e as TinyforgeError;
      }
    })();
    expect(err).toBeInstanceOf(TinyforgeError);
    expect(err!.exitCode).toBe(3);
    expect(err!.message).toMatch(/does not fit the nano33ble: flash \d+ B > 983040 B \(over by \d+ B\); RAM \d+ B .* > 262144 B/);
    expect(err!.remedy).toMatch(/smaller model/);
  });

  it('the real layout refuses to link it: the linker\'s overflow becomes the same exit-3 error, not a tool failure', async () => {
    const script = mbedLikeScript('0xefe00', 262_144);
    writeFileSync(join(dir, 'over.ld'), script);
    writeFileSync(join(dir, 'over.c'), program(300_000, 5000));
    const err = await runSteps([{ title: 'link', argv: ['arm-none-eabi-gcc', '-mcpu=cortex-m4', '-mthumb', '-nostdlib', '-T', 'over.ld', 'over.c', '-o', 'over.elf'], cwd: dir, tool: TOOLS.armGcc }]).catch((e) => e);
    expect(err).toBeInstanceOf(TinyforgeError);
    expect(err).toMatchObject({ kind: 'bad-input', exitCode: 3, message: /does not fit the board's memory: the linker reports (region RAM overflowed by \d+ bytes|heap region overflowed into stack|static data runs past the heap\/stack reservation)/ });
  });
});

describe('memory limits and linker messages', () => {
  it('Makefile boards take their limits from their own linker scripts', () => {
    const read = (id: 'qemu-mps2-an386' | 'cortex-m4', sub: string) => readFileSync(join(REPO_ROOT, 'firmware/boards', sub, BOARDS[id].linkerScript!), 'utf8');
    // tf_mps2.ld: FLASH 4M, RAM 4M; tf_cortex_m4.ld: FLASH 1024K, RAM 128K (read off the files).
    expect(boardMemoryLimits(getBoard('qemu-mps2-an386'), read('qemu-mps2-an386', 'qemu-mps2-an386'))).toMatchObject({ flashBytes: 4 * 1024 * 1024, ramBytes: 4 * 1024 * 1024 });
    expect(boardMemoryLimits(getBoard('cortex-m4'), read('cortex-m4', 'cortex-m4/generic'))).toMatchObject({ flashBytes: 1024 * 1024, ramBytes: 128 * 1024 });
    expect(boardMemoryLimits(getBoard('cortex-m4'))).toBeNull();
    expect(linkerScriptLimits('MEMORY { FLASH (rx) : ORIGIN = 0, LENGTH = 0x1000 }', 'x')).toBeNull(); // no RAM region
  });

  it('recognises GNU ld overflow messages and nothing else', () => {
    expect(linkOverflow("ld: firmware.elf section `.bss' will not fit in region `RAM'\nld: region `RAM' overflowed by 1234 bytes")).toBe('region RAM overflowed by 1234 bytes');
    expect(linkOverflow('ld: heap region overflowed into stack')).toBe('heap region overflowed into stack');
    expect(linkOverflow('ld:x.ld:20 cannot move location counter backwards (from 20049608 to 2003f800)')).toMatch(/static data runs past/);
    expect(linkOverflow("undefined reference to `main'")).toBeNull();
  });

  it('gnu-size boards: the stack is a reservation stated apart from static RAM and counts toward the fit', () => {
    const sections = [
      { name: '.text', size: 5000, address: 0, kind: 'text' as const, inRam: false },
      { name: '.data', size: 100, address: 0x20000000, kind: 'data' as const, inRam: true },
      { name: '.bss', size: 1000, address: 0x20000100, kind: 'bss' as const, inRam: true },
      { name: '.stack', size: 32768, address: 0x20001000, kind: 'bss' as const, inRam: true },
    ];
    const m = memoryReport({ text: 5000, data: 100, bss: 33768, flash: 5100, ram: 33868, sections, ramSymbols: [], arena: 0 }, 'gnu-size');
    expect(m).toEqual({ rule: 'gnu-size', flash: 5100, ram: 1100, reserved: { stack: 32768, heap: 0, other: 0 } });
    expect(checkFit(m, { flashBytes: 8192, ramBytes: 32 * 1024, source: 't' })).toMatchObject({ fits: false, ramNeeded: 33868 });
    expect(checkFit(m, { flashBytes: 8192, ramBytes: 64 * 1024, source: 't' }).fits).toBe(true);
  });
});
