// The little HTTP the live view needs: JSON requests and line-delimited watch streams against
// the API server, over node:http(s) with a keep-alive agent. Credentials come from kubeconfig.ts.
// Our own requests because client-node's informer cannot ask for PartialObjectMetadata.
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { Credentials } from './kubeconfig.ts';
import { ListStreamParser } from './list-stream.ts';

// Not `import http from 'node:http'`: an ES import of node:http reads every export, and its lazy
// WebSocket/fetch-related exports load undici: about 9 MiB of RSS for code certguard never runs.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

/** The API answered with an error status (or an ERROR watch event). */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  constructor(code: number, reason: string | undefined, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

/** No answer at all: connection refused, reset, timed out. */
export class UnreachableError extends Error {}

type Status = { code?: number; reason?: string; message?: string };

/** An ApiError from a response, with the API's own message when the body is a Status. */
export const apiErrorOf = (status: number, body: unknown): ApiError => {
  const parsed = (typeof body === 'object' && body !== null ? body : {}) as Status;
  const reason = parsed.reason || http.STATUS_CODES[status];
  const detail = parsed.message || (typeof body === 'string' && body.trim() ? body.trim().slice(0, 200) : 'no details');
  return new ApiError(status, reason, `HTTP ${status}${reason ? ` ${reason}` : ''}: ${detail}`);
};

/** Node's network errors, readable (happy-eyeballs failures are AggregateErrors with no message). */
const networkMessage = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map((inner: unknown) => networkMessage(inner)))].join('; ');
  }
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
};

const unreachable = (error: unknown): Error => {
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (error instanceof ApiError || error instanceof UnreachableError) return error;
  return new UnreachableError(`API server unreachable: ${networkMessage(error)}`);
};

class StaleSocketError extends Error {
  constructor(cause: unknown) {
    super('stale keep-alive connection', { cause });
  }
}

// One per pooled connection that may have gone stale at once (the pool is small).
const MAX_STALE_SOCKET_RETRIES = 4;

const isReset = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
};

export type RequestOptions = {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Of the body; default application/json (a PATCH names its patch type here). */
  contentType?: string;
  accept?: string;
  body?: unknown;
  /** Whole-request deadline: a request that hangs must not hang its caller. Absent: `signal` is the only limit. */
  timeoutMs?: number;
  /** Aborting it destroys the request at once (the review's deadline, a stopping view). */
  signal?: AbortSignal;
};

export type ApiResponse = { status: number; body: unknown };

export type WatchEvent = { type: string; object: Record<string, unknown> };

export type WatchOptions = {
  accept: string;
  signal: AbortSignal;
  /** No byte for this long (bookmarks arrive about once a minute) means a dead connection. */
  idleTimeoutMs: number;
  /** The API accepted the watch (HTTP 200). */
  onOpen: () => void;
  /** One event; throwing ends the watch with that error. */
  onEvent: (event: WatchEvent) => void;
};

const parseBody = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Where a response body goes as it arrives; end() gives the body. */
type BodyReader = { write(chunk: string): void; end(): unknown };

const textReader = (): BodyReader => {
  let text = '';
  return {
    write: (chunk) => void (text += chunk),
    end: () => parseBody(text),
  };
};

export class KubeClient {
  readonly server: string;
  readonly source: string;
  readonly #credentials: Credentials;
  readonly #transport: typeof http | typeof https;
  readonly #agent: Http.Agent;

  constructor(credentials: Credentials) {
    this.server = credentials.server;
    this.source = credentials.source;
    this.#credentials = credentials;
    const isHttps = new URL(credentials.server).protocol === 'https:';
    this.#transport = isHttps ? https : http;
    // Keep-alive: list pages and live GETs reuse connections instead of a TLS handshake each.
    this.#agent = isHttps ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  async #options(method: string, headers: Record<string, string>): Promise<Https.RequestOptions> {
    const options: Https.RequestOptions = { method, headers: { ...headers } };
    await this.#credentials.apply(options);
    options.agent ??= this.#agent;
    return options;
  }

  /** One JSON request. Resolves with any HTTP status; rejects only when there is no answer. */
  request(path: string, options: RequestOptions): Promise<ApiResponse> {
    return this.#request(path, options, textReader);
  }

  /**
   * One page of a list. On 200 each item goes to `onItem` as it arrives (list-stream.ts: the
   * page is never whole in memory) and the body is the list without its items; any other status
   * answers as request() does.
   */
  listPage(path: string, options: RequestOptions, onItem: (item: unknown) => void): Promise<ApiResponse> {
    return this.#request(path, options, (status) => (status === 200 ? new ListStreamParser(onItem) : textReader()));
  }

  async #request(path: string, options: RequestOptions, readerFor: (status: number) => BodyReader): Promise<ApiResponse> {
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const requestOptions = await this.#options(options.method ?? 'GET', headers);
    // A pooled keep-alive connection the server has closed fails at once ("socket hang up"):
    // that says nothing about the server, so try again on a fresh connection (Node's own advice).
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#send(path, options, requestOptions, payload, readerFor);
      } catch (error) {
        if (!(error instanceof StaleSocketError) || attempt >= MAX_STALE_SOCKET_RETRIES)
          throw error instanceof StaleSocketError ? unreachable(error.cause) : error;
      }
    }
  }

  #send(
    path: string,
    options: RequestOptions,
    requestOptions: Https.RequestOptions,
    payload: string | undefined,
    readerFor: (status: number) => BodyReader,
  ): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const request = this.#transport.request(`${this.server}${path}`, { ...requestOptions, signal: options.signal }, (response) => {
        const status = response.statusCode ?? 0;
        const reader = readerFor(status);
        let failed = false;
        const fail = (error: unknown) => {
          failed = true;
          reject(error);
          request.destroy();
        };
        // Text, not Buffers: a page is never one big native buffer (bench/README.md, "Cluster view").
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (failed) return;
          try {
            reader.write(chunk);
          } catch (error) {
            fail(error);
          }
        });
        response.on('end', () => {
          if (failed) return;
          try {
            resolve({ status, body: reader.end() });
          } catch (error) {
            fail(error);
          }
        });
        response.on('error', (error) => reject(unreachable(error)));
      });
      const { timeoutMs } = options;
      if (timeoutMs !== undefined) request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (error) => reject(request.reusedSocket && isReset(error) ? new StaleSocketError(error) : unreachable(error)));
      request.end(payload);
    });
  }

  /** A watch stream. Resolves when the server ends it cleanly; rejects on errors. */
  async watch(path: string, options: WatchOptions): Promise<void> {
    const requestOptions = await this.#options('GET', { Accept: options.accept });
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve();
        else reject(error);
      };
      const request = this.#transport.request(`${this.server}${path}`, { ...requestOptions, signal: options.signal }, (response) => {
        if (response.statusCode !== 200) {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => settle(apiErrorOf(response.statusCode ?? 0, parseBody(Buffer.concat(chunks).toString('utf8')))));
          response.on('error', (error) => settle(unreachable(error)));
          return;
        }
        options.onOpen();
        const fail = (error: unknown) => {
          settle(error);
          request.destroy();
        };
        // Nothing after the end: a late chunk must not write into a cache that was re-listed since.
        streamLines(
          response,
          (line) => {
            if (!settled) options.onEvent(JSON.parse(line) as WatchEvent);
          },
          fail,
        );
        response.on('end', () => settle());
        response.on('error', (error) => fail(new UnreachableError(`API server unreachable: the watch connection broke (${networkMessage(error)})`)));
        response.on('close', () => settle(new UnreachableError('API server unreachable: the watch connection closed')));
      });
      request.setTimeout(options.idleTimeoutMs, () => request.destroy(new Error(`the watch was silent for ${Math.round(options.idleTimeoutMs / 1000)} s`)));
      request.on('error', (error) => settle(unreachable(error)));
      request.end();
    });
  }

  /** Closes idle keep-alive connections (watches end through their signals). */
  close(): void {
    this.#agent.destroy();
  }
}

/** Calls `onLine` for each newline-terminated line; an exception from it goes to `onError`. */
const streamLines = (stream: Http.IncomingMessage, onLine: (line: string) => void, onError: (error: unknown) => void): void => {
  let buffer = '';
  let failed = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (failed) return;
    buffer += chunk;
    let start = 0;
    let newline: number;
    try {
      while ((newline = buffer.indexOf('\n', start)) >= 0) {
        const line = buffer.slice(start, newline);
        start = newline + 1;
        if (line.trim() !== '') onLine(line);
      }
    } catch (error) {
      failed = true;
      onError(error);
      return;
    }
    buffer = buffer.slice(start);
  });
};
