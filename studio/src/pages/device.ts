/** Device page: what the board says about itself (INFO), the model hash check, the link. */
import { api, lastDevice, onEvent } from '../api.js';
import { bytes, clear, h, table } from '../dom.js';
import type { DeviceView } from '../../../src/studio/wire.js';

export function devicePage(root: HTMLElement): () => void {
  const body = h('div', { id: 'device' });
  const msg = h('div', { class: 'error', id: 'device-error' });
  const btn = h('button', { id: 'reconnect', class: 'primary' }, 'Reconnect');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    msg.textContent = '';
    try {
      await api('POST', '/api/device/reconnect');
    } catch (e) {
      msg.textContent = (e as Error).message;
    } finally {
      btn.disabled = false;
    }
  });
  root.appendChild(h('section', {}, h('h2', {}, 'Device'), body, h('p', {}, btn), msg));
  const show = (d: DeviceView | null) => {
    clear(body);
    if (!d) return body.appendChild(h('p', { class: 'muted' }, 'waiting for the server…'));
    const i = d.info;
    const rows: [string, string | Node][] = [
      ['link', h('span', { id: 'device-state', class: d.state === 'connected' ? 'ok' : 'bad' }, d.state)],
      ['port', d.port],
    ];
    if (d.error) rows.push(['last error', h('span', { class: 'bad' }, d.error)]);
    if (i) {
      const m = d.modelOnDisk;
      rows.push(
        ['board', h('span', { id: 'device-board' }, i.board)],
        ['engine', i.engine],
        ['model SHA-256', i.modelSha256],
        ['model on disk', m ? h('span', { class: m.match ? 'ok' : 'bad', id: 'model-match' }, `${m.match ? 'matches' : 'DIFFERS from'} ${m.path}`) : h('span', { class: 'muted' }, 'no model file given')],
        ['ops', i.ops.join(', ')],
        ['labels', i.labels.join(', ')],
        ['arena', `${bytes(i.arenaUsed)} used of ${bytes(i.arenaCapacity)}`],
        ['flash / RAM', `${bytes(i.flashUsed)} / ${bytes(i.ramUsed)}`],
        ['window', `${i.windowLength} samples, stride ${i.windowStride}, ${i.numAxes} axes`],
        ['IMU', i.imuRateHz > 0 ? `${i.imuRateHz.toFixed(1)} Hz` : 'none'],
        ['sample source', d.source?.kind ?? '–'],
        ['live detection on the board', i.liveDetection ? 'yes' : 'no (windows from fed samples)'],
        ['protocol', `v${i.protocolVersion}`],
      );
    }
    rows.push(['samples / lost', `${d.stats.samples} / ${d.stats.lostSamples}`], ['predictions / lost', `${d.stats.predictions} / ${d.stats.lostPredictions}`]);
    body.appendChild(table(['', ''], rows.map(([k, v]) => [k, v]), { class: 'kv' }));
  };
  show(lastDevice);
  const off = onEvent((e) => e.t === 'status' && show(e.device));
  // Status events come on link changes; the counters move all the time.
  const poll = window.setInterval(() => void api<DeviceView>('GET', '/api/device').then(show, () => undefined), 1000);
  return () => {
    off();
    clearInterval(poll);
  };
}
