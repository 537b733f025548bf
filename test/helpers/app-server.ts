/**
 * A real local HTTP server (127.0.0.1, random port) playing the KotaDB API for smoke/health tests.
 *
 *   const app = await startAppServer({ apiKey: 'kdb_test_key' });
 *   await app.setMode('status-503');
 *   ... app.requests() ...
 *   await app.close();
 *
 * Modes (what GET /health answers):
 *   healthy        200, the full body of kotadb-api.md (saas.supabase_status "ok", failed_recent 0)
 *   no-saas        200, healthy without `saas` (not SaaS mode)
 *   status-503     503 on every path (Fly's proxy with no healthy machine)
 *   unhealthy      200, status "degraded"
 *   supabase-error 200, saas.supabase_status "error"
 *   bad-json       200, an HTML body
 *   failed-recent  200, healthy but saas.job_queue.failed_recent 4
 *   hang           no path ever answers (until close())
 *   refused        the server stops listening: connections are refused; setMode(other) listens
 *                  again on the SAME port
 *   smoke-500      /health healthy, but /api/v1/* and /mcp/* answer 500 once past auth
 *   smoke-hang     /health healthy, but /api/v1/* and /mcp/* never answer (until close())
 *   redirect       every path answers 302 to the same path under `redirectTo`
 * Other routes:
 *   GET /api/v1/repositories   401 JSON without X-API-Key, 403 with a wrong key, 200
 *                              {"repositories":[]} with `apiKey` (no apiKey option: every key is wrong)
 *   POST /mcp/tools            same auth; 200 {"tools":[…]}
 *   POST /mcp/tools/search_code same auth; 200 {"results":[]}
 *   anything else              404 JSON
 *
 * With `fakeFly` (or `currentImage`) + `modeForImage`, each request's mode is
 * modeForImage(<image the app's machines run now>) (falling back to the setMode() mode when it
 * returns null/undefined),
 * so a test can make a NEW image unhealthy and the rolled-back old one healthy. A derived
 * "refused" resets the connection (the server keeps listening).
 *
 * requests() records method, path, query, header NAMES and whether an X-API-Key was absent,
 * valid or invalid — never the key itself.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadState } from '../fake-flyctl/flyctl.mjs';

export type AppMode =
  | 'healthy'
  | 'no-saas'
  | 'status-503'
  | 'unhealthy'
  | 'supabase-error'
  | 'bad-json'
  | 'failed-recent'
  | 'hang'
  | 'refused'
  | 'smoke-500'
  | 'smoke-hang'
  | 'redirect';

export const APP_MODES: readonly AppMode[] = [
  'healthy',
  'no-saas',
  'status-503',
  'unhealthy',
  'supabase-error',
  'bad-json',
  'failed-recent',
  'hang',
  'refused',
  'smoke-500',
  'smoke-hang',
  'redirect',
];

export interface AppServerOptions {
  /** Initial mode (default "healthy"). */
  mode?: AppMode;
  /** The key that X-API-Key must carry. Without it every key gets 403. */
  apiKey?: string;
  /** `version` in /health (default "0.6.0"). */
  version?: string;
  /** The fake flyctl (its state dir) to read the running image from. */
  fakeFly?: { dir: string } | string;
  /** App whose machines' image decides the mode (default "kotadb-api"). */
  app?: string;
  /** The image the app runs now, when it is not read from a fake flyctl's state. */
  currentImage?: () => string | null;
  /** Where `redirect` sends every request (an origin, e.g. another server's url). */
  redirectTo?: string;
  /** Mode for the image currently running (null when the app has none). */
  modeForImage?: (image: string | null) => AppMode | null | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  time: string;
  /** Lower-cased header names present. */
  headers: string[];
  /** X-API-Key: absent, matched the configured key, or did not. */
  apiKey: 'absent' | 'valid' | 'invalid';
  /** Mode used to answer. */
  mode: AppMode;
  /** Image the fake reported (when fakeFly is set). */
  image: string | null;
  /** Status sent; null when the request hung or the connection was reset. */
  status: number | null;
  /** Request body (POST), at most 4 KiB. */
  body: string;
}

export interface AppServer {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string;
  port: number;
  setMode(mode: AppMode): Promise<void>;
  mode(): AppMode;
  requests(): RecordedRequest[];
  clearRequests(): void;
  close(): Promise<void>;
}

const SERVICES = ['search', 'indexing', 'mcp', 'api'];

function healthBody(mode: AppMode, version: string): { status: number; type: string; body: string } {
  const saas = (over: { supabase_status?: string; failed_recent?: number } = {}) => ({
    supabase_status: over.supabase_status ?? 'ok',
    supabase_latency_ms: 12,
    job_queue: {
      queued: 0,
      in_progress: 0,
      failed: 3,
      failed_recent: over.failed_recent ?? 0,
      oldest_queued_seconds: null,
    },
  });
  const json = (v: unknown) => ({ status: 200, type: 'application/json', body: JSON.stringify(v) });
  switch (mode) {
    case 'no-saas':
      return json({ status: 'healthy', version, services_enabled: SERVICES });
    case 'unhealthy':
      return json({ status: 'degraded', version, services_enabled: SERVICES, saas: saas() });
    case 'supabase-error':
      return json({ status: 'healthy', version, services_enabled: SERVICES, saas: saas({ supabase_status: 'error' }) });
    case 'bad-json':
      return { status: 200, type: 'text/html', body: '<!DOCTYPE html><html><body>upstream restarting</body></html>' };
    case 'failed-recent':
      return json({ status: 'healthy', version, services_enabled: SERVICES, saas: saas({ failed_recent: 4 }) });
    default:
      return json({ status: 'healthy', version, services_enabled: SERVICES, saas: saas() });
  }
}

export async function startAppServer(opts: AppServerOptions = {}): Promise<AppServer> {
  let mode: AppMode = opts.mode ?? 'healthy';
  const version = opts.version ?? '0.6.0';
  const appName = opts.app ?? 'kotadb-api';
  const flyDir = typeof opts.fakeFly === 'string' ? opts.fakeFly : opts.fakeFly?.dir;
  const recorded: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let listening = false;

  const currentImage = (): string | null => {
    if (opts.currentImage) return opts.currentImage();
    if (!flyDir) return null;
    try {
      return loadState(flyDir).apps.find((a) => a.name === appName)?.image ?? null;
    } catch {
      return null;
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const derived = Boolean(flyDir || opts.currentImage);
    const image = derived ? currentImage() : null;
    const effective: AppMode = (derived && opts.modeForImage ? opts.modeForImage(image) : null) ?? mode;
    const key = req.headers['x-api-key'];
    const keyValue = Array.isArray(key) ? key[0] : key;
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      time: new Date().toISOString(),
      headers: Object.keys(req.headers).sort(),
      apiKey:
        keyValue === undefined ? 'absent' : opts.apiKey !== undefined && keyValue === opts.apiKey ? 'valid' : 'invalid',
      mode: effective,
      image,
      status: null,
      body: '',
    };
    recorded.push(rec);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (body.length < 4096) body += c;
    });
    req.on('end', () => {
      rec.body = body.slice(0, 4096);
      if (effective === 'refused') {
        req.socket.destroy();
        return;
      }
      if (effective === 'hang') return; // never answer
      const send = (status: number, payload: unknown, type = 'application/json') => {
        rec.status = status;
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (effective === 'status-503') return send(503, 'Service Unavailable\n', 'text/plain');
      if (effective === 'redirect') {
        rec.status = 302;
        res.writeHead(302, {
          location: `${opts.redirectTo ?? 'http://127.0.0.1:9'}${url.pathname}`,
          'content-length': 0,
        });
        return res.end();
      }
      const route = `${rec.method} ${url.pathname}`;
      if (route === 'GET /health') {
        const h = healthBody(effective, version);
        return send(h.status, h.body, h.type);
      }
      const guarded: Record<string, unknown> = {
        'GET /api/v1/repositories': { repositories: [] },
        'POST /mcp/tools': {
          tools: [{ name: 'search_code' }, { name: 'search_symbols' }, { name: 'find_references' }],
        },
        'POST /mcp/tools/search_code': { results: [] },
      };
      if (route in guarded) {
        if (rec.apiKey === 'absent') return send(401, { error: 'missing API key' });
        if (rec.apiKey === 'invalid') return send(403, { error: 'invalid API key' });
        if (effective === 'smoke-500') return send(500, { error: 'internal server error' });
        if (effective === 'smoke-hang') return; // never answer
        return send(200, guarded[route]);
      }
      return send(404, { error: 'not found' });
    });
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        listening = true;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      sockets.clear();
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  if (mode === 'refused') await stop();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    mode: () => mode,
    setMode: async (next) => {
      mode = next;
      if (next === 'refused') await stop();
      else if (!listening) await listen(port);
    },
    requests: () => recorded.map((r) => ({ ...r, headers: [...r.headers] })),
    clearRequests: () => {
      recorded.length = 0;
    },
    close: async () => {
      await stop();
    },
  };
}
