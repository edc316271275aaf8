// The training report's charts (issue 16 §2): the legend sits in the title row above the plot (it
// never covers a curve or the "best" label), and ticks are regular values — 1-2-5 steps on y,
// whole-epoch steps on x (not 1, 4, 7, 10, 13, 16, 18, 21).
import { describe, expect, it } from 'vitest';
import { epochTicks, lineChartSvg, niceStep } from '../../src/train/report-html.js';

const texts = (svg: string) => [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: +m[1], y: +m[2], s: m[3] }));

describe('training report charts', () => {
  it('nice steps and epoch ticks', () => {
    expect([0.043, 0.25, 0.3, 0.7, 3, 20 / 7].map(niceStep)).toEqual([0.05, 0.5, 0.5, 1, 5, 5]);
    expect(epochTicks(21)).toEqual([1, 5, 10, 15, 20]);
    expect(epochTicks(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(epochTicks(1)).toEqual([1]);
    expect(epochTicks(100)).toEqual([1, 20, 40, 60, 80, 100]);
  });

  it('y ticks are evenly spaced nice values; the legend is above the plot, clear of the best label', () => {
    const svg = lineChartSvg('accuracy', [{ name: 'train', color: '#00f', values: [0.2, 0.5, 0.8] }, { name: 'validation', color: '#f00', values: [0.3, 0.6, 0.7] }], { yMin: 0, yMax: 1, marker: 3 });
    const t = texts(svg);
    const yLabels = t.filter((a) => a.x === 44).map((a) => a.s);
    expect(yLabels).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    const plotTop = 36;
    const legend = t.filter((a) => a.s === 'train' || a.s === 'validation');
    expect(legend).toHaveLength(2);
    for (const l of legend) expect(l.y).toBeLessThan(plotTop - 12); // a text row above "best"
    const best = t.find((a) => a.s === 'best')!;
    expect(best.y).toBeLessThan(plotTop);
    expect(best.y - 10).toBeGreaterThan(Math.max(...legend.map((l) => l.y))); // no overlap of rows
    const loss = texts(lineChartSvg('loss', [{ name: 'train', color: '#00f', values: [1.73, 0.9, 0.41] }], { yMin: 0 }));
    expect(loss.filter((a) => a.x === 44).map((a) => a.s)).toEqual(['0.0', '0.5', '1.0', '1.5', '2.0']);
  });
});
