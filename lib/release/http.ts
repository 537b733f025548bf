/**
 * One GET for the health and smoke probes, with node:http/node:https (fetch would load undici,
 * the heaviest module the toolkit would otherwise pull in). Redirects are never followed: a 3xx
 * is an answer naming its Location, so X-API-Key never travels to another origin. Every request
 * has its own deadline and stops at once on the run's abort signal (Ctrl-C), which is reported
 * as Interrupted, never as a failed probe.
 */
import type { IncomingMessage } from 'node:http';
import { Interrupted } from '../core/errors.ts';
import { escapeControl } from '../core/text.ts';

/** A body larger than this is cut: /health and the smoke answers are small JSON objects. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpAnswer {
  readonly kind: 'answer';
  readonly status: number;
  /** The Location header of a redirect (control characters escaped), else null. */
  readonly location: string | null;
  readonly text: string;
}

export interface HttpFailure {
  readonly kind: 'failure';
  readonly cause: 'network' | 'timeout';
  readonly reason: string;
}

export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** The run's Ctrl-C: the request is destroyed and Interrupted is thrown. */
  readonly signal: AbortSignal;
}

export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** GET `url`; network failures and timeouts are answers (never throws, except Interrupted). */
export async function httpGet(url: string, options: GetOptions): Promise<HttpAnswer | HttpFailure> {
  if (options.signal.aborted) throw new Interrupted();
  const target = new URL(url);
  const client = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const request = client.get(
      target,
      { headers: { accept: 'application/json', ...options.headers }, agent: false },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () =>
          finish(() =>
            resolve({
              kind: 'answer',
              status: response.statusCode ?? 0,
              location: locationOf(response),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          ),
        );
        response.on('error', (error) => finish(() => resolve(failure(error))));
      },
    );
    const timer = setTimeout(() => {
      finish(() =>
        resolve({ kind: 'failure', cause: 'timeout', reason: `no answer within ${seconds(options.timeoutMs)}` }),
      );
      request.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish(() => reject(new Interrupted()));
      request.destroy();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => finish(() => resolve(failure(error))));
  });
}

function locationOf(response: IncomingMessage): string | null {
  const location = response.headers.location;
  return location === undefined ? null : escapeControl(location);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

function failure(error: NodeJS.ErrnoException): HttpFailure {
  return { kind: 'failure', cause: 'network', reason: networkReason(error) };
}

function networkReason(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'connect timeout';
    default:
      // TLS problems (expired or self-signed certificate, wrong host name) say it themselves.
      return escapeControl(error.code && /CERT|SSL|TLS/.test(error.code) ? `TLS: ${error.message}` : error.message);
  }
}
