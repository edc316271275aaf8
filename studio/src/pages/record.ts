/**
 * Record page: record N seconds as a label and subject into the dataset folder (the files
 * `tinyforge capture` writes), list the recordings with per-class and per-subject totals and the
 * class balance, relabel or delete one, and open one (click its name) to see its waveform, crop or
 * split it, and see a window's spectrum (./recording-view.ts).
 */
import { api, lastDevice, onEvent } from '../api.js';
import { bar, clear, h, pct, table } from '../dom.js';
import type { DatasetListing } from '../../../src/studio/wire.js';
import { recordingView } from './recording-view.js';

export function recordPage(root: HTMLElement): () => void {
  const labels = lastDevice?.info?.labels ?? [];
  const label = h('input', { id: 'rec-label', list: 'rec-labels', value: labels[1] ?? labels[0] ?? '', size: 14 });
  const subject = h('input', { id: 'rec-subject', value: 'me', size: 10 });
  const seconds = h('input', { id: 'rec-seconds', type: 'number', min: 1, max: 3600, value: 3, style: 'width:5em' });
  const go = h('button', { id: 'record-btn', class: 'primary' }, 'Record');
  const status = h('div', { id: 'record-status' });
  const list = h('div', { id: 'recordings' });
  const totals = h('div', { class: 'row', id: 'totals' });
  const viewer = h('section', { id: 'recording-view', hidden: true });
  root.append(
    h('section', {}, h('h2', {}, 'Record'),
      h('datalist', { id: 'rec-labels' }, ...labels.map((l) => h('option', { value: l }))),
      h('label', {}, 'label ', label), h('label', {}, 'subject ', subject), h('label', {}, 'seconds ', seconds), go, status),
    h('section', {}, h('h2', {}, 'Class balance and totals'), totals),
    h('section', {}, h('h2', {}, 'Recordings'), h('p', { class: 'muted' }, 'Click a file name to see its waveform, crop or split it, and see a window\'s spectrum.'), list),
    viewer,
  );
  let closeView: (() => void) | null = null;
  let opened: string | null = null;
  const open = (file: string | null, message = '') => {
    closeView?.();
    closeView = null;
    clear(viewer);
    opened = file;
    viewer.hidden = !file;
    for (const b of list.querySelectorAll<HTMLElement>('.open-recording')) b.classList.toggle('active', b.textContent === file);
    if (!file) return;
    closeView = recordingView(viewer, file, { changed: (l, f, m) => { show(l); open(f, m); } }, message);
    viewer.scrollIntoView({ block: 'start' });
  };

  let timer = 0;
  go.addEventListener('click', async () => {
    go.disabled = true;
    const secs = Number(seconds.value);
    const t0 = Date.now();
    status.className = '';
    status.textContent = `recording "${label.value}"…`;
    timer = window.setInterval(() => (status.textContent = `recording "${label.value}"… ${((Date.now() - t0) / 1000).toFixed(1)} / ${secs} s`), 200);
    try {
      const r = await api<{ file: string; samples: number; seconds: number; stopReason: string; missingSamples: number; warning?: string }>('POST', '/api/recordings', { label: label.value, subject: subject.value, seconds: secs });
      status.className = r.stopReason === 'time' && !r.warning ? 'ok' : 'warn';
      status.textContent = `saved ${r.file}: ${r.samples} samples, ${r.seconds.toFixed(1)} s${r.missingSamples ? `, ${r.missingSamples} lost` : ''}${r.stopReason !== 'time' ? ` (stopped: ${r.stopReason}; everything received was kept)` : ''}${r.warning ? ` — ${r.warning}` : ''}`;
    } catch (e) {
      status.className = 'error';
      status.textContent = (e as Error).message;
    } finally {
      clearInterval(timer);
      go.disabled = false;
      void refresh();
    }
  });

  const show = (d: DatasetListing) => {
    clear(list);
    clear(totals);
    const labelsSeen = Object.keys(d.byLabel).sort();
    totals.append(
      table(['class', 'recordings', 'samples', 'seconds', 'balance'], labelsSeen.map((l) => [l, d.byLabel[l].recordings, d.byLabel[l].samples, d.byLabel[l].seconds.toFixed(1), bar(d.balance[l], pct(d.balance[l]), d.balance[l] < 0.5 / Math.max(1, labelsSeen.length) ? 'low' : '')]), { id: 'by-label' }),
      table(['subject', 'recordings', 'samples', 'seconds'], Object.keys(d.bySubject).sort().map((g) => [g, d.bySubject[g].recordings, d.bySubject[g].samples, d.bySubject[g].seconds.toFixed(1)]), { id: 'by-subject' }),
    );
    if (!d.recordings.length) list.appendChild(h('p', { class: 'muted' }, `no recordings yet in ${d.dir}`));
    else {
      list.appendChild(h('p', { class: 'muted' }, d.dir));
      list.appendChild(
        table(['file', 'label', 'subject', 'samples', 'seconds', 'lost', 'relabel', ''], d.recordings.map((r) => {
          const nl = h('input', { value: r.label, size: 10, class: 'relabel-input' });
          const rl = h('button', { class: 'relabel' }, 'Relabel');
          rl.addEventListener('click', async () => show(await api<DatasetListing>('PATCH', `/api/recordings/${encodeURIComponent(r.file)}`, { label: nl.value })));
          const del = h('button', { class: 'delete' }, 'Delete');
          del.addEventListener('click', async () => {
            if (confirm(`Delete ${r.file}?`)) show(await api<DatasetListing>('DELETE', `/api/recordings/${encodeURIComponent(r.file)}`));
          });
          const name = h('button', { class: `file open-recording linkish${r.file === opened ? ' active' : ''}`, title: 'waveform, crop, split, spectrum' }, r.file);
          name.addEventListener('click', () => open(r.file));
          return [name, h('span', { class: 'label' }, r.label), r.group, r.samples, r.seconds.toFixed(1), r.missingSamples, h('span', {}, nl, ' ', rl), del];
        })),
      );
    }
    for (const s of d.skipped) list.appendChild(h('p', { class: 'warn' }, `skipped ${s.file}: ${s.reason}`));
    // The opened recording was relabelled (renamed) or deleted: its view would show a file that is gone.
    if (opened && !d.recordings.some((r) => r.file === opened)) open(null);
  };
  const refresh = async () => show(await api<DatasetListing>('GET', '/api/recordings'));
  void refresh();
  const off = onEvent((e) => {
    if (e.t === 'record' && e.phase === 'finished') void refresh();
  });
  return () => {
    off();
    clearInterval(timer);
    closeView?.();
  };
}
