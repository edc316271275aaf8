/** tinyforge studio front end: one page, five views (Device, Live, Record, Model, Tune), hash-routed. */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { connectEvents, lastDevice, onEvent } from './api.js';
import { clear, h } from './dom.js';
import { devicePage } from './pages/device.js';
import { livePage } from './pages/live.js';
import { recordPage } from './pages/record.js';
import { modelPage } from './pages/model.js';
import { tunePage } from './pages/tune.js';
import type { DeviceView } from '../../src/studio/wire.js';

const PAGES: Record<string, { title: string; render: (root: HTMLElement) => () => void }> = {
  device: { title: 'Device', render: devicePage },
  live: { title: 'Live', render: livePage },
  record: { title: 'Record', render: recordPage },
  model: { title: 'Model', render: modelPage },
  tune: { title: 'Tune', render: tunePage },
};

const nav = document.getElementById('nav')!;
const page = document.getElementById('page')!;
const link = document.getElementById('link')!;
let cleanup: (() => void) | null = null;

for (const [id, p] of Object.entries(PAGES)) nav.appendChild(h('a', { href: `#${id}`, id: `nav-${id}` }, p.title));

function route(): void {
  const id = location.hash.replace(/^#/, '') in PAGES ? location.hash.replace(/^#/, '') : 'live';
  cleanup?.();
  clear(page);
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.id === `nav-${id}`);
  cleanup = PAGES[id].render(page);
}

let serverUp = false;
function showLink(d: DeviceView | null): void {
  const state = !serverUp ? 'server unreachable' : d?.state ?? 'disconnected';
  link.textContent = state === 'connected' && d?.info ? `connected · ${d.info.board}` : state;
  link.className = `link ${state === 'connected' ? 'connected' : state === 'connecting' ? 'connecting' : 'disconnected'}`;
  link.dataset.state = state;
}

onEvent((e) => {
  if (e.t === 'status') showLink(e.device);
});
connectEvents((open) => {
  serverUp = open;
  showLink(lastDevice);
});
window.addEventListener('hashchange', route);
route();
