// Child processes and temporary directories of the end-to-end harness. Everything started here
// dies with the test process, however it ends:
//   - normal teardown: `stop()` (SIGTERM, then SIGKILL after a grace period);
//   - the test process exits (failed assertion, uncaught error): an 'exit' hook SIGKILLs the rest;
//   - the test process is killed (tap timeout, Ctrl-C): children run under `setpriv --pdeathsig
//     SIGKILL`, so the kernel kills them when their parent dies. Temp dirs left behind that way
//     are removed by the next run (`makeTempDir` sweeps dirs whose owning pid is gone).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const SETPRIV = '/usr/bin/setpriv';
const TEMP_PREFIX = 'certguard-e2e-';

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type Started = {
  pid: number;
  /** Resolves when the process has exited (for any reason). */
  exited: Promise<Exit>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
};

/** Starts a long-running process whose stdout and stderr go to `logFile`. */
export const startProcess = (command: string, args: string[], options: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv }): Started => {
  const log = openSync(options.logFile, 'a');
  const [file, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, args];
  const child = spawn(file, argv, { stdio: ['ignore', log, log], cwd: options.cwd, env: options.env ?? process.env });
  closeSync(log);
  running.add(child);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      running.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  const isRunning = () => child.exitCode === null && child.signalCode === null && running.has(child);
  const stop = async (graceMs = 5_000) => {
    if (!isRunning()) return;
    child.kill('SIGTERM');
    // Unref'd: a pending grace timer must not keep the test process alive after everything exited.
    const gone = await Promise.race([exited.then(() => true), sleep(graceMs, undefined, { ref: false }).then(() => false)]);
    if (!gone) child.kill('SIGKILL');
    await exited;
  };
  return { pid: child.pid ?? -1, exited, isRunning, stop };
};

export type RunResult = { code: number; stdout: string; stderr: string };

/** Runs a command to completion, feeding `input` on stdin. Never rejects on a non-zero exit. */
export const run = (
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A hung command must not hang the test file until tap's timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // the command may exit before reading its input
    child.stdin.end(options.input ?? '');
  });

const bindsNow = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

const kernelPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

// Below the kernel's ephemeral range, so no client socket (kubectl, a watch) can take the port
// before the child binds it, as one can take a port bind(0) handed out. Above 20000: clear of the
// fixed ports of Kubernetes components (10250-10259) and of NodePorts (30000-32767).
const PICK_LOW = 20_000;
const PICK_HIGH = 30_000;
const ephemeralLow = (): number => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 0;
  }
};

/**
 * A port free on 127.0.0.1 a moment ago, for a child that must be told its port (the harness only
 * binds loopback). Another test may still pick it first: start such children under
 * retryOnPortClash.
 */
export const freePort = async (): Promise<number> => {
  if (ephemeralLow() < PICK_HIGH) return kernelPort();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomInt(PICK_LOW, PICK_HIGH);
    if (await bindsNow(port)) return port;
  }
  return kernelPort();
};

// What Go (etcd, kube-apiserver, Traefik, pebble), Node and dnsmasq print when a port is taken.
const PORT_TAKEN = /address already in use|EADDRINUSE/i;

/**
 * Runs `start` again (with the fresh ports it picks) when it failed because another process bound
 * one of its ports first. `start` must clean up after itself on failure and put the child's log in
 * its error.
 */
export const retryOnPortClash = async <T>(start: () => Promise<T>, attempts = 3): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !PORT_TAKEN.test((error as Error).message)) throw error;
      process.stderr.write(`# e2e: a port was taken before the child bound it; starting again (${attempt}/${attempts - 1})\n`);
    }
  }
};

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

// Dirs are named certguard-e2e-<pid>-XXXXXX; a dir whose pid is gone was left by a killed run.
const sweepStaleTempDirs = () => {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(name.startsWith(TEMP_PREFIX) ? name.slice(TEMP_PREFIX.length).split('-')[0] : NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
};

/** A temp dir removed at exit unless CERTGUARD_E2E_KEEP=1 (then its path is printed, for logs). */
export const makeTempDir = (purpose: string): string => {
  sweepStaleTempDirs();
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-${purpose}-`));
  if (process.env.CERTGUARD_E2E_KEEP === '1') process.stderr.write(`# e2e: keeping ${dir}\n`);
  else tempDirs.add(dir);
  return dir;
};

/** A stop() for a started process and its temp dir: idempotent, so teardowns may call it twice. */
export const stopOnce = (child: Started, dir: string): (() => Promise<void>) => {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    await child.stop();
    removeTempDir(dir);
  };
};

export const removeTempDir = (dir: string): void => {
  if (!tempDirs.delete(dir)) return;
  rmSync(dir, { recursive: true, force: true });
};

/** Polls `probe` until it returns a value other than undefined; rejects with `what` after the timeout. */
export const waitFor = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; stopIf?: () => string | undefined } = {},
): Promise<T> => {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let lastError = '';
  for (;;) {
    const failed = options.stopIf?.();
    if (failed) throw new Error(`${what}: ${failed}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await sleep(options.intervalMs ?? 200);
  }
};

/** The last lines of a log file, for error messages when a process fails to start. */
export const tailOf = (file: string, lines = 30): string => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};
