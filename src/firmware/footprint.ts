/**
 * Firmware footprint from the ELF itself (our own ELF32 little-endian section/symbol parse, so no
 * binutils are needed): the Berkeley `size` split and the largest RAM symbols.
 *
 *   text  = allocated, read-only sections (code, constants, vectors)
 *   data  = allocated, writable sections with contents (.data: in flash AND copied to RAM)
 *   bss   = allocated sections without contents (.bss, .stack, .heap reservations)
 *   flash = text + data      ram = (data copied to RAM) + bss        (bytes)
 * `text`/`data`/`bss` match `arm-none-eabi-size`; writable sections that stay in flash (their load
 * address equals their run address, e.g. .init_array) count in flash only.
 */
import { badInput } from '../core/errors.js';
import type { BoardSpec } from './boards.js';

export interface ElfSection {
  name: string;
  /** Bytes. */
  size: number;
  address: number;
  kind: 'text' | 'data' | 'bss';
  /** Occupies RAM at run time (bss, or data copied from flash at reset). */
  inRam: boolean;
}

export interface ElfSymbol {
  name: string;
  size: number;
  address: number;
}

export interface Footprint {
  text: number;
  data: number;
  bss: number;
  flash: number;
  ram: number;
  sections: ElfSection[];
  /** Largest data objects in RAM (biggest first, up to 8). */
  ramSymbols: ElfSymbol[];
  /** Bytes of the engine's tensor arena (the largest RAM object named *arena*), 0 if none. */
  arena: number;
}

const SHF_WRITE = 1;
const SHF_ALLOC = 2;
const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const STT_OBJECT = 1;

/** Measures an ELF32 little-endian image (an ARM firmware). */
export function elfFootprint(elf: Uint8Array): Footprint {
  if (elf.length < 52 || elf[0] !== 0x7f || elf[1] !== 0x45 || elf[2] !== 0x4c || elf[3] !== 0x46) {
    throw badInput('not an ELF file', { remedy: 'pass the firmware .elf the build produced (build/firmware.elf)' });
  }
  if (elf[4] !== 1 || elf[5] !== 1) {
    throw badInput('not a 32-bit little-endian ELF (a Cortex-M firmware image is one)', { remedy: 'pass the ELF built for the board' });
  }
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = v.getUint32(0x1c, true);
  const phentsize = v.getUint16(0x2a, true);
  const phnum = v.getUint16(0x2c, true);
  // PT_LOAD segments: [vaddr, vaddr + memsz) loads from paddr.
  const segments: { vaddr: number; paddr: number; memsz: number }[] = [];
  for (let i = 0; i < phnum && phoff + (i + 1) * phentsize <= elf.length; i++) {
    const o = phoff + i * phentsize;
    if (v.getUint32(o, true) === 1) segments.push({ vaddr: v.getUint32(o + 8, true), paddr: v.getUint32(o + 12, true), memsz: v.getUint32(o + 20, true) });
  }
  const loadAddress = (addr: number) => {
    const seg = segments.find((g) => addr >= g.vaddr && addr < g.vaddr + Math.max(g.memsz, 1));
    return seg ? addr - seg.vaddr + seg.paddr : addr;
  };
  const shoff = v.getUint32(0x20, true);
  const shentsize = v.getUint16(0x2e, true);
  const shnum = v.getUint16(0x30, true);
  const shstrndx = v.getUint16(0x32, true);
  if (shoff + shnum * shentsize > elf.length || shentsize < 40) {
    throw badInput('ELF section table is truncated', { remedy: 'rebuild the firmware' });
  }
  const sh = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      name: v.getUint32(o, true),
      type: v.getUint32(o + 4, true),
      flags: v.getUint32(o + 8, true),
      addr: v.getUint32(o + 12, true),
      offset: v.getUint32(o + 16, true),
      size: v.getUint32(o + 20, true),
      link: v.getUint32(o + 24, true),
      entsize: v.getUint32(o + 36, true),
    };
  };
  const str = (tableOffset: number, at: number) => {
    let end = tableOffset + at;
    while (end < elf.length && elf[end] !== 0) end++;
    return new TextDecoder().decode(elf.subarray(tableOffset + at, end));
  };
  const names = sh(shstrndx);
  const sections: ElfSection[] = [];
  const ramRanges: [number, number][] = [];
  let symtab: ReturnType<typeof sh> | null = null;
  for (let i = 1; i < shnum; i++) {
    const s = sh(i);
    if (s.type === SHT_SYMTAB) symtab = s;
    if (!(s.flags & SHF_ALLOC) || s.size === 0) continue;
    const kind = s.type === SHT_NOBITS ? 'bss' : s.flags & SHF_WRITE ? 'data' : 'text';
    const inRam = kind === 'bss' || (kind === 'data' && loadAddress(s.addr) !== s.addr);
    sections.push({ name: str(names.offset, s.name), size: s.size, address: s.addr, kind, inRam });
    if (inRam) ramRanges.push([s.addr, s.addr + s.size]);
  }
  const sum = (k: ElfSection['kind']) => sections.filter((s) => s.kind === k).reduce((a, s) => a + s.size, 0);
  const text = sum('text');
  const data = sum('data');
  const bss = sum('bss');

  const ramSymbols: ElfSymbol[] = [];
  if (symtab && symtab.entsize >= 16) {
    const strtab = sh(symtab.link);
    for (let o = symtab.offset; o + 16 <= symtab.offset + symtab.size; o += 16) {
      const size = v.getUint32(o + 8, true);
      const address = v.getUint32(o + 4, true);
      if ((elf[o + 12] & 0xf) !== STT_OBJECT || size === 0) continue;
      if (!ramRanges.some(([a, b]) => address >= a && address < b)) continue;
      ramSymbols.push({ name: str(strtab.offset, v.getUint32(o, true)), size, address });
    }
  }
  ramSymbols.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
  const arenaSym = ramSymbols.find((s) => /arena/i.test(s.name));
  const ram = sections.filter((s) => s.inRam).reduce((a, s) => a + s.size, 0);
  return { text, data, bss, flash: text + data, ram, sections, ramSymbols: ramSymbols.slice(0, 8), arena: arenaSym?.size ?? 0 };
}

/**
 * How a board's own tools count memory, so tinyforge reports what its users already see:
 *  - 'arduino-mbed': arduino-cli with the Arduino mbed core (its platform.txt `recipe.size.regex`
 *    and `.data`): flash = every section whose name starts with .text or .data; RAM = .data + .bss.
 *    The mbed linker script's .heap grows to fill RAM (up to the 2 KiB .stack), so counting every
 *    RAM section (as `size` does) reports the whole 256 KiB whatever the sketch.
 *  - 'gnu-size': Makefile boards (our linker scripts): flash = text + data (Berkeley `size`), RAM =
 *    the RAM sections other than the stack and heap reservations.
 */
export type SizeRule = 'arduino-mbed' | 'gnu-size';

export interface MemoryReport {
  rule: SizeRule;
  /** Bytes of flash the image occupies (arduino-cli's "Sketch uses"). */
  flash: number;
  /** Static RAM: initialised data + zeroed data, bytes (arduino-cli's "Global variables use"). */
  ram: number;
  /**
   * RAM set aside by the linker script besides static data, bytes: the stack (.stack*), the heap
   * (.heap*; on mbed whatever RAM is left), and other RAM sections not counted above (mbed's
   * .noinit, .nvictable, .crash_data_ram).
   */
  reserved: { stack: number; heap: number; other: number };
}

const isStack = (n: string) => /^\.stack/.test(n);
const isHeap = (n: string) => /^\.heap/.test(n);

/** The footprint as the board's tools report it (see SizeRule). */
export function memoryReport(fp: Footprint, rule: SizeRule): MemoryReport {
  const ramSecs = fp.sections.filter((s) => s.inRam);
  const size = (ss: ElfSection[]) => ss.reduce((a, s) => a + s.size, 0);
  const stack = size(ramSecs.filter((s) => isStack(s.name)));
  const heap = size(ramSecs.filter((s) => isHeap(s.name)));
  if (rule === 'arduino-mbed') {
    const flash = size(fp.sections.filter((s) => /^\.(?:text|data)/.test(s.name)));
    const ram = size(fp.sections.filter((s) => s.name === '.data' || s.name === '.bss'));
    const other = size(ramSecs.filter((s) => s.name !== '.data' && s.name !== '.bss' && !isStack(s.name) && !isHeap(s.name)));
    return { rule, flash, ram, reserved: { stack, heap, other } };
  }
  const ram = size(ramSecs.filter((s) => !isStack(s.name) && !isHeap(s.name)));
  return { rule, flash: fp.flash, ram, reserved: { stack, heap, other: 0 } };
}

export interface MemoryLimits {
  /** Bytes of flash an image may use. */
  flashBytes: number;
  /** Bytes of RAM there are. */
  ramBytes: number;
  /** Where the figures come from (for messages). */
  source: string;
}

export interface FitResult {
  fits: boolean;
  /** RAM the image needs: static data + stack + other fixed reservations (not a heap that only fills what is left). */
  ramNeeded: number;
  /** One line per limit exceeded. */
  problems: string[];
}

/**
 * Does the image fit? Flash against the flash limit; static RAM plus the fixed reservations
 * (stack, other) against RAM. A heap counts only on 'gnu-size' boards, where it is a fixed
 * reservation; on mbed it is the RAM left over.
 */
export function checkFit(r: MemoryReport, lim: MemoryLimits): FitResult {
  const ramNeeded = r.ram + r.reserved.stack + r.reserved.other + (r.rule === 'gnu-size' ? r.reserved.heap : 0);
  const problems: string[] = [];
  if (r.flash > lim.flashBytes) problems.push(`flash ${r.flash} B > ${lim.flashBytes} B (over by ${r.flash - lim.flashBytes} B)`);
  if (ramNeeded > lim.ramBytes) problems.push(`RAM ${ramNeeded} B (static ${r.ram} + stack ${r.reserved.stack}${r.reserved.other ? ` + other ${r.reserved.other}` : ''}) > ${lim.ramBytes} B (over by ${ramNeeded - lim.ramBytes} B)`);
  return { fits: problems.length === 0, ramNeeded, problems };
}

/** Throws a bad-input error (exit 3) naming what does not fit, before anything is flashed. */
export function requireFit(r: MemoryReport, lim: MemoryLimits, board: string): FitResult {
  const fit = checkFit(r, lim);
  if (!fit.fits) {
    throw badInput(`the firmware does not fit the ${board}: ${fit.problems.join('; ')} (limits: ${lim.source})`, {
      remedy: 'use a smaller model (fewer or narrower layers, a shorter window), or a board with more memory; nothing was flashed',
      details: { board, memory: r, limits: lim, problems: fit.problems },
    });
  }
  return fit;
}

/**
 * FLASH and RAM lengths from a GNU ld script's MEMORY block (hand-written scripts: `NAME (attr) :
 * ORIGIN = n, LENGTH = n[K|M]`). Null when either region is missing or not a plain number.
 */
export function linkerScriptLimits(script: string, source: string): MemoryLimits | null {
  const block = /MEMORY\s*\{([^}]*)\}/.exec(script.replace(/\/\*[\s\S]*?\*\//g, ''));
  if (!block) return null;
  const len = (region: string) => {
    const m = new RegExp(`\\b${region}\\b[^:]*:[^\\n]*?LENGTH\\s*=\\s*(0x[0-9a-fA-F]+|\\d+)\\s*([KM])?`).exec(block[1]);
    if (!m) return null;
    return Number(m[1]) * (m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 * 1024 : 1);
  };
  const flashBytes = len('FLASH');
  const ramBytes = len('RAM');
  return flashBytes === null || ramBytes === null ? null : { flashBytes, ramBytes, source };
}

/** A linker's "does not fit" message in build output (GNU ld region overflow, mbed's heap ASSERT). */
export function linkOverflow(output: string): string | null {
  const m =
    /region [`']?(\w+)'? overflowed by (\d+) bytes/.exec(output) ??
    /will not fit in region [`']?(\w+)'?/.exec(output) ??
    /(heap region overflowed into stack)/.exec(output);
  // mbed-style scripts set `. = end of RAM − stack` inside .heap: static data past that point fails here first.
  if (!m && /cannot move location counter backwards/.test(output)) return 'static data runs past the heap/stack reservation (cannot move location counter backwards)';
  if (!m) return null;
  return m[2] ? `region ${m[1]} overflowed by ${m[2]} bytes` : m[0];
}

/**
 * The limits `board`'s image is checked against: Arduino boards' own (boards.ts `memory`), Makefile
 * boards' linker script MEMORY regions (`linkerScript`: its text, from the generated project).
 */
export function boardMemoryLimits(board: BoardSpec, linkerScript?: string): MemoryLimits | null {
  if (board.memory) return { ...board.memory, source: `${board.id}: arduino-cli's upload.maximum_size / maximum_data_size` };
  if (linkerScript === undefined) return null;
  return linkerScriptLimits(linkerScript, `${board.id}: ${board.linkerScript} MEMORY regions`);
}

/** Lines for `tinyforge build`: flash and static RAM as the board's tools count them, then the reservations. */
export function formatMemory(r: MemoryReport, lim: MemoryLimits | null, arena = 0): string[] {
  const of = (n: number, max?: number) => (max ? `${n} of ${max} bytes (${((100 * n) / max).toFixed(1)} %)` : `${n} bytes`);
  const res = r.reserved;
  return [
    `  flash ${of(r.flash, lim?.flashBytes)}`,
    `  RAM   ${of(r.ram, lim?.ramBytes)} static (data + bss)${arena ? `, arena ${arena} of it` : ''}`,
    `        reserved besides: stack ${res.stack} B` +
      (res.heap ? `, heap ${res.heap} B${r.rule === 'arduino-mbed' ? ' (mbed gives the heap whatever RAM is left)' : ''}` : '') +
      (res.other ? `, other ${res.other} B` : ''),
  ];
}

export interface ImageReport {
  footprint: Footprint;
  memory: MemoryReport;
  limits: MemoryLimits | null;
  /** Null when the board's limits are unknown (a Makefile board without its linker script text). */
  fit: FitResult | null;
}

/**
 * A built image measured the board's way and checked against its limits: throws the exit-3
 * "does not fit" error (requireFit) before anything is flashed. `linkerScript`: the text of the
 * project's linker script (Makefile boards).
 */
export function measureImage(board: BoardSpec, elf: Uint8Array, linkerScript?: string): ImageReport {
  const footprint = elfFootprint(elf);
  const memory = memoryReport(footprint, board.sizeRule);
  const limits = boardMemoryLimits(board, linkerScript);
  return { footprint, memory, limits, fit: limits ? requireFit(memory, limits, board.id) : null };
}
