// Hot reload of the serving certificate (controller-runtime certwatcher; incident 004 is the bug
// this avoids). The kubelet updates a mounted Secret by swapping the `..data` symlink, which
// replaces files without modifying them, so we watch the directories AND poll. A read that
// fails keeps the last good certificate and is logged once until it recovers.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';

export type CertificatePair = { cert: string; key: string; serialNumber: string; notAfter: string };

export type CertWatcherOptions = {
  certPath: string;
  keyPath: string;
  logger: Logger;
  /** Called with each newly loaded pair, the first included. */
  onChange?: (pair: CertificatePair) => void;
  /** Poll interval; the watch usually fires first. Default 10 s, as certwatcher's. */
  pollIntervalMs?: number;
};

const DEFAULT_POLL_MS = 10_000;
// Batch the burst of events one symlink swap produces (several renames in a few ms).
const DEBOUNCE_MS = 100;

export class CertWatcher {
  readonly #options: CertWatcherOptions;
  #current: CertificatePair | undefined;
  #digest = '';
  #failing = false;
  #watchers: FSWatcher[] = [];
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #loading: Promise<void> = Promise.resolve();

  constructor(options: CertWatcherOptions) {
    this.#options = options;
  }

  get current(): CertificatePair | undefined {
    return this.#current;
  }

  /** Loads once (a failure leaves `current` undefined), then watches and polls. */
  async start(): Promise<void> {
    await this.reload();
    const dirs = new Set([dirname(this.#options.certPath), dirname(this.#options.keyPath)]);
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, () => this.#schedule());
        watcher.on('error', () => this.#closeWatcher(watcher));
        this.#watchers.push(watcher);
      } catch (error) {
        this.#options.logger.warn({ dir, err: { message: (error as Error).message } }, 'cannot watch certificate directory; polling only');
      }
    }
    this.#poll = setInterval(() => this.#schedule(), this.#options.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.#poll.unref();
  }

  stop(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
  }

  /** Reads both files; swaps only when they changed and form a valid pair. Serialised. */
  reload(): Promise<void> {
    this.#loading = this.#loading.then(() => this.#load());
    return this.#loading;
  }

  #schedule(): void {
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.reload(), DEBOUNCE_MS);
    this.#debounce.unref();
  }

  #closeWatcher(watcher: FSWatcher): void {
    watcher.close();
    this.#watchers = this.#watchers.filter((other) => other !== watcher);
  }

  async #load(): Promise<void> {
    try {
      const [cert, key] = await Promise.all([readFile(this.#options.certPath, 'utf8'), readFile(this.#options.keyPath, 'utf8')]);
      const digest = createHash('sha256').update(cert).update('\0').update(key).digest('hex');
      if (digest === this.#digest) return this.#recovered();
      // Throws when the key does not match the certificate or either does not parse.
      createSecureContext({ cert, key });
      const x509 = new X509Certificate(cert);
      const pair = { cert, key, serialNumber: x509.serialNumber, notAfter: x509.validTo };
      const first = this.#current === undefined;
      this.#current = pair;
      this.#digest = digest;
      this.#recovered();
      this.#options.logger.info(
        { serialNumber: pair.serialNumber, notAfter: pair.notAfter, path: this.#options.certPath },
        first ? 'serving certificate loaded' : 'serving certificate reloaded',
      );
      this.#options.onChange?.(pair);
    } catch (error) {
      if (this.#failing) return;
      this.#failing = true;
      this.#options.logger.error(
        { path: this.#options.certPath, err: { message: (error as Error).message } },
        this.#current ? 'cannot read serving certificate; keeping the last good one' : 'cannot read serving certificate; not ready until it can be read',
      );
    }
  }

  #recovered(): void {
    this.#failing = false;
  }
}

/** TLS settings of the admission server. TLS 1.2 is the floor kube-apiserver also uses. */
export const tlsOptions = (pair: Pick<CertificatePair, 'cert' | 'key'>): SecureContextOptions & { minVersion: 'TLSv1.2' } => ({
  cert: pair.cert,
  key: pair.key,
  minVersion: 'TLSv1.2',
});
