/**
 * The device app's IMU → model-rate resampler (firmware/core/tf_app.c, documented in tf_app.h) in
 * TypeScript, step for step in float32, so the fake device feeds its window exactly as the C app:
 * rates in integer mHz, an integer phase accumulator (no drift), y = (1 - f)·prev + f·cur with
 * f = acc / O, emitted when the input sample after the output position arrives. Equal rates pass
 * samples through unchanged; an integer ratio is plain decimation.
 */
const f32 = Math.fround;

export class ImuResampler {
  private readonly inMhz: number;
  private readonly outMhz: number;
  private acc = 0;
  private prev: number[] | null = null;
  /** Model-rate samples produced since construction/reset. */
  produced = 0;

  constructor(inputHz: number, outputHz: number) {
    this.inMhz = Math.floor(f32(f32(f32(inputHz) * 1000) + 0.5));
    const out = Math.floor(f32(f32(f32(outputHz) * 1000) + 0.5));
    this.outMhz = out || this.inMhz;
  }

  reset(): void {
    this.acc = 0;
    this.prev = null;
    this.produced = 0;
  }

  /** One raw sample in (any number of axes); the model-rate samples it completes out. */
  push(x: readonly number[]): number[][] {
    const cur = x.map(f32);
    const out: number[][] = [];
    if (!this.prev) {
      this.prev = cur;
      return out;
    }
    while (this.acc < this.outMhz) {
      const f = f32(this.acc / this.outMhz);
      const g = f32(1 - f);
      const prev = this.prev;
      out.push(cur.map((c, a) => f32(f32(g * prev[a]) + f32(f * c))));
      this.produced++;
      this.acc += this.inMhz;
    }
    this.acc -= this.outMhz;
    this.prev = cur;
    return out;
  }
}
