/**
 * The anomaly block (train --anomaly): how often a motion unlike any trained class is flagged vs
 * how often known classes are, by leaving one class out of training at a time
 * (src/service/anomaly-eval.ts), on the built-in data and the shared real Nano gestures.
 */
import { join } from 'node:path';
import { prepareData } from '../../src/service/data.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { leaveOneClassOut, type LeaveOneOutReport } from '../../src/service/anomaly-eval.js';
import { sharedDir } from '../../tests/support/shared.js';
import type { BenchSection } from './types.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');

function table(rows: [string, LeaveOneOutReport][]): string {
  const out = ['| data, front-end, clusters, quantile | class left out | its windows flagged | known test windows flagged | AUC |', '|---|---|---|---|---|'];
  for (const [what, r] of rows) {
    for (const c of r.classes) out.push(`| ${what} | ${c.heldOut} | ${pct(c.novelFlagged)} of ${c.novelWindows} | ${pct(c.knownFlagged)} of ${c.knownWindows} | ${c.auc.toFixed(3)} |`);
    out.push(`| ${what} | **mean** | **${pct(r.mean.novelFlagged)}** | **${pct(r.mean.knownFlagged)}** | **${r.mean.auc.toFixed(3)}** |`);
  }
  return out.join('\n');
}

export async function bench(): Promise<BenchSection[]> {
  const d = prepareData(nodePlatform(), {});
  const split = { train: d.train, val: d.val, test: d.test };
  const rows: [string, LeaveOneOutReport][] = [];
  for (const [features, k, quantile] of [[undefined, 16, 0.99], [{ block: 'spectral' }, 16, 0.99], [{ block: 'spectral' }, 16, 0.95]] as const) {
    rows.push([`built-in, ${features?.block ?? 'raw'}, K ${k}, q ${quantile}`, leaveOneClassOut(split, { k, quantile, features })]);
  }
  const shared = sharedDir();
  let nano = 'Skipped: ../shared/data/nano33ble-gestures not found.';
  if (shared) {
    const g = join(shared, 'data', 'nano33ble-gestures');
    const n = prepareData(nodePlatform(), { paths: [join(g, 'flex.csv'), join(g, 'punch.csv')] });
    const s = { train: n.train, val: n.val, test: n.test };
    nano = table([
      ['Nano gestures, raw, K 4, q 0.99', leaveOneClassOut(s, { k: 4, quantile: 0.99 })],
      ['Nano gestures, spectral, K 4, q 0.99', leaveOneClassOut(s, { k: 4, quantile: 0.99, features: { block: 'spectral' } })],
    ]) + `\n\n${n.train.y.length} training, ${n.val.y.length} validation, ${n.test.y.length} test windows (one 119-sample gesture each, 6 axes): with one class left out only ONE class is known, and the known-class false-alarm rate rests on ${n.test.y.length} test windows — indicative only.`;
  }
  return [
    {
      title: 'Anomaly block: unknown motions, one class left out',
      markdown:
        table(rows) +
        '\n\nFor each class: K-means (k-means++ seeded, Lloyd) fitted on the training windows of the OTHER classes, threshold at the quantile of their validation windows\' distances, ' +
        'then every window of the left-out class (never seen by the block) and the known classes\' test windows (people the training never saw) scored in the board\'s int8 arithmetic ' +
        '(anomalyInt8 + anomalyDistance; input quantisation from the training inputs\' min/max as the quantiser calibrates). AUC: P(distance of an unknown window > a known one), threshold-free. ' +
        'Raw windows are weak (squared distance between time series is not shift-invariant: the same walk half a step later is far away); the spectral block\'s features are what the K-means should see.\n\n' +
        '### Real Nano gestures (../shared)\n\n' + nano,
    },
  ];
}
