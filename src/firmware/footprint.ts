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
