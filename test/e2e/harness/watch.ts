// Every version of some objects, as the API server streams them: `kubectl get -w
// --output-watch-events -o json` in the background. For assertions about states that may last
// only a moment (a Certificate that must never be Ready with a placeholder in its Secret), where
// polling could miss one.
//
//   const watch = watchObjects(cluster, ['certificates', '-n', 'app']);
//   ... later: watch.events() → [{ type: 'ADDED' | 'MODIFIED' | 'DELETED', object }, ...]
//   await watch.stop();
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KUBECTL } from './paths.ts';
import { withoutProxies, type Cluster } from './cluster.ts';

const SETPRIV = '/usr/bin/setpriv';

export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: T };

export type Watch<T> = { events(): Array<WatchEvent<T>>; stop(): Promise<void> };

/** Splits a stream of concatenated JSON documents into the complete ones. */
const splitDocuments = (text: string): { documents: string[]; rest: string } => {
  const documents: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) {
        documents.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  return { documents, rest: start === -1 ? '' : text.slice(start) };
};

export const watchObjects = <T>(cluster: Cluster, args: string[]): Watch<T> => {
  const argv = [`--kubeconfig=${cluster.kubeconfigPath}`, 'get', ...args, '--watch', '--output-watch-events', '-o', 'json'];
  // Like every harness process: dies with the test process, however that ends.
  const [file, fileArgs] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', KUBECTL, ...argv]] : [KUBECTL, argv];
  const child = spawn(file, fileArgs, {
    env: withoutProxies(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Array<WatchEvent<T>> = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const { documents, rest } = splitDocuments(buffer + chunk.toString('utf8'));
    buffer = rest;
    for (const document of documents) events.push(JSON.parse(document) as WatchEvent<T>);
  });
  child.stderr.resume();
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    events: () => [...events],
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};
