/**
 * The studio's request checks (pure). A local server that reaches a serial device must not be
 * driven by other web pages:
 *  - DNS rebinding: a foreign page whose host name resolves to 127.0.0.1 sends `Host: evil.example`;
 *    only the listen address and the loopback names are accepted.
 *  - Cross-origin requests and WebSocket upgrades: a browser sends `Origin` on every WebSocket
 *    handshake and on cross-origin fetches; it must be the app's own origin. Upgrades without an
 *    Origin are refused too (browsers always send one; other local programs can use the CLI).
 *  - Several Host headers (a smuggling trick: one for the check, another for a proxy) are refused.
 *  - Dataset file names: only plain names inside the dataset folder (no separators, no `..`).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface Refusal {
  status: 400 | 403 | 421;
  reason: string;
}

/** Host header values (lower case, with port) this server answers to. */
export function allowedHosts(listenHost: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const h = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  // 0.0.0.0 / :: are wildcards, not names a browser would send; they add nothing.
  if (h !== '0.0.0.0' && h !== '[::]') names.add(h.toLowerCase());
  return new Set([...names].map((n) => `${n}:${port}`));
}

export interface RequestFacts {
  host: string | undefined;
  /**
   * How many Host headers the request carried (from the raw headers). Node keeps only the first
   * of several, so a request with a good and a foreign Host would pass on the first alone.
   */
  hostHeaders?: number;
  origin: string | undefined;
  /** The Sec-Fetch-Site header a modern browser adds ('same-origin', 'cross-site', …). */
  secFetchSite?: string;
  /** A WebSocket upgrade request. */
  upgrade: boolean;
}

/** null when the request may proceed; otherwise the status and reason to refuse it with. */
export function checkRequest(r: RequestFacts, hosts: Set<string>): Refusal | null {
  if ((r.hostHeaders ?? 1) > 1) return { status: 400, reason: `${r.hostHeaders} Host headers: a request names one host` };
  const host = (r.host ?? '').toLowerCase();
  if (!hosts.has(host)) return { status: 421, reason: `Host "${r.host ?? ''}" is not this studio's address (${[...hosts][0]})` };
  if (r.origin !== undefined || r.upgrade) {
    const own = [...hosts].map((h) => `http://${h}`);
    if (r.origin === undefined) return { status: 403, reason: 'WebSocket upgrade without an Origin header' };
    if (!own.includes(r.origin.toLowerCase())) return { status: 403, reason: `Origin "${r.origin}" is not this studio` };
  }
  if (r.secFetchSite === 'cross-site' || r.secFetchSite === 'same-site') return { status: 403, reason: `cross-origin request (Sec-Fetch-Site: ${r.secFetchSite})` };
  return null;
}

/** Recording file names the studio creates and accepts: letters, digits, `._-`, ending in .csv. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.csv$/;

/**
 * The absolute path of recording `name` inside `dir`, or null when `name` is not a plain
 * recording file name (separators, `..`, absolute paths, NUL, other extensions).
 */
export function recordingPath(dir: string, name: string): string | null {
  if (typeof name !== 'string' || !SAFE_NAME.test(name) || name.includes('..')) return null;
  const root = resolve(dir);
  const p = resolve(root, name);
  const rel = relative(root, p);
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.includes(sep)) return null;
  return p;
}

/** A label or subject as a file-name part: the safe characters kept, the rest as '_'. */
export function fileNamePart(s: string): string {
  const t = s.normalize('NFKC').replace(/[^A-Za-z0-9-]+/g, '_').replace(/^_+|_+$/g, '');
  return (t || 'x').slice(0, 40);
}

/** Labels and subjects the studio accepts: 1–64 printable characters, no control characters. */
export function validName(s: unknown): s is string {
  return typeof s === 'string' && s.length >= 1 && s.length <= 64 && !/[\u0000-\u001f\u007f]/.test(s) && s.trim() === s;
}

/** Raw header names/values as Node gives them (name, value, name, value…) → how many are `name`. */
export function headerCount(rawHeaders: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) n++;
  return n;
}
