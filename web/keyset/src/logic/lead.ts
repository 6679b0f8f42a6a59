// Backend redundancy: which backend gets the microphone (the lead). The lead stays while it is up; a
// manual choice wins when that backend is up; otherwise the first configured backend that is up.
export interface BackendHealth {
  url: string;
  ready: boolean;
}

export function chooseLead(backends: readonly BackendHealth[], current: string | undefined, preferred?: string): string | undefined {
  const ready = (url: string | undefined) => backends.some((b) => b.url === url && b.ready);
  if (preferred && ready(preferred)) return preferred;
  if (ready(current)) return current;
  return backends.find((b) => b.ready)?.url ?? current;
}

/** A backend's short name on screen: its host (with the port when not the default). */
export function backendLabel(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** The notice when the lead changed: why (the old lead was lost, or the operator chose) and where to. */
export function leadSwitchNotice(from: BackendHealth | undefined, to: string): string {
  const switched = `Switched to backend ${backendLabel(to)}`;
  return from && !from.ready ? `Backend ${backendLabel(from.url)} lost · ${switched}` : switched;
}

/** `config.json` → backend URLs; an empty or missing list means the page's own origin at /api. */
export function backendUrls(config: unknown, pageOrigin: string): string[] {
  const list = typeof config === 'object' && config !== null && Array.isArray((config as { backends?: unknown }).backends) ? (config as { backends: unknown[] }).backends : [];
  const urls = list.filter((u): u is string => typeof u === 'string' && /^wss?:\/\//.test(u));
  if (urls.length > 0) return [...new Set(urls)];
  const origin = new URL(pageOrigin);
  return [`${origin.protocol === 'http:' ? 'ws' : 'wss'}://${origin.host}/api`];
}
