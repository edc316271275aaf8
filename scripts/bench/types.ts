/** One section of BENCHMARKS.md, produced by a stage's bench module (scripts/bench/<stage>.ts). */
export interface BenchSection {
  title: string;
  /** Markdown body: tables of the figures, and how they were measured. */
  markdown: string;
}
export type BenchModule = { bench(): Promise<BenchSection[]> };
