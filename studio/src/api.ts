/** Talking to the studio server: JSON over /api, events over one WebSocket (same origin). */
import type { DeviceView, StudioEvent } from '../../src/studio/wire.js';

export class ApiError extends Error {
  constructor(message: string, readonly remedy: string | null) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let j: unknown = null;
  try {
    j = JSON.parse(text);
  } catch {
    /* not JSON: an error page */
  }
  if (!r.ok) {
    const e = (j ?? {}) as { message?: string; remedy?: string };
    throw new ApiError(e.message ?? text.trim() ?? `HTTP ${r.status}`, e.remedy ?? null);
  }
  return j as T;
}

type Listener = (e: StudioEvent) => void;
const listeners = new Set<Listener>();
export let lastDevice: DeviceView | null = null;
let socketOpen = false;

export function onEvent(f: Listener): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function serverReachable(): boolean {
  return socketOpen;
}

/** One WebSocket for the page's life, re-opened (with backoff) if the server restarts. */
export function connectEvents(onSocket: (open: boolean) => void): void {
  let delay = 500;
  const open = () => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onopen = () => {
      socketOpen = true;
      delay = 500;
      onSocket(true);
    };
    ws.onmessage = (m) => {
      const e = JSON.parse(String(m.data)) as StudioEvent;
      if (e.t === 'status') lastDevice = e.device;
      for (const f of [...listeners]) f(e);
    };
    ws.onclose = () => {
      socketOpen = false;
      onSocket(false);
      setTimeout(open, delay);
      delay = Math.min(10000, delay * 2);
    };
  };
  open();
}
