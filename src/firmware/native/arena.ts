/**
 * Offline arena planning for the native engine: every non-constant tensor (graph inputs and
 * outputs included) gets a fixed byte offset in one static arena, chosen from tensor lifetimes.
 *
 * Algorithm (the same idea as TFLM's GreedyMemoryPlanner): buffers sorted by size, largest first
 * (ties: earlier first use, then lower id), each placed at the lowest offset, a multiple of
 * `alignment`, where it does not overlap any already placed buffer whose lifetime intersects its
 * own. Lifetimes are inclusive operator-step intervals [first, last]. Deterministic.
 */

export interface ArenaRequest {
  /** Caller's id (e.g. a tensor index or an alias-group id). */
  id: number;
  /** Bytes. */
  size: number;
  /** First and last operator step at which the buffer must hold its data (inclusive). */
  first: number;
  last: number;
}

export interface ArenaPlan {
  /** Byte offset per request id. */
  offsets: Map<number, number>;
  /** Arena size: the highest end offset, rounded up to `alignment` (0 when nothing is planned). */
  bytes: number;
}

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

export function planArena(requests: readonly ArenaRequest[], alignment = 16): ArenaPlan {
  if (!(alignment >= 1 && Number.isInteger(alignment))) throw new RangeError(`alignment ${alignment}`);
  const ids = new Set<number>();
  for (const r of requests) {
    if (ids.has(r.id)) throw new RangeError(`duplicate arena request id ${r.id}`);
    ids.add(r.id);
    if (!(r.size >= 0 && Number.isInteger(r.size)) || r.first > r.last) throw new RangeError(`bad arena request ${JSON.stringify(r)}`);
  }
  const order = [...requests].sort((a, b) => b.size - a.size || a.first - b.first || a.id - b.id);
  const placed: { offset: number; end: number; first: number; last: number }[] = [];
  const offsets = new Map<number, number>();
  let bytes = 0;
  for (const r of order) {
    const conflicts = placed
      .filter((p) => p.first <= r.last && r.first <= p.last)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + r.size <= c.offset) break;
      offset = Math.max(offset, alignUp(c.end, alignment));
    }
    offsets.set(r.id, offset);
    placed.push({ offset, end: offset + r.size, first: r.first, last: r.last });
    bytes = Math.max(bytes, offset + r.size);
  }
  return { offsets, bytes: alignUp(bytes, alignment) };
}
