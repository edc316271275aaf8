/**
 * DOM helpers. Every string from the server (labels, file names, board names) becomes a text node
 * or an attribute value through these, never HTML: nothing the board or a file says can inject
 * markup into the page.
 */
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string | number | boolean | ((e: Event) => void)> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (typeof v === 'boolean') {
      if (v) el.setAttribute(k, '');
    } else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function table(head: string[], rows: Child[][], attrs: Record<string, string> = {}): HTMLTableElement {
  return h('table', attrs, h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

export const pct = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(d)} %`);
export const bytes = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${n.toLocaleString('en')} B`);

/** A horizontal bar 0–1 with a caption. */
export function bar(frac: number, caption: string, cls = ''): HTMLElement {
  const fill = h('span', { class: 'fill' });
  fill.style.width = `${Math.max(0, Math.min(1, frac)) * 100}%`;
  return h('span', { class: `bar ${cls}` }, fill, h('span', { class: 'cap' }, caption));
}
