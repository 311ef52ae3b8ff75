// A git repository served over smart HTTP on loopback, for GitOps controllers to sync from:
// `git http-backend` (git's own server side) behind a small CGI server. The test commits to a
// working clone and pushes; the controller clones http://127.0.0.1:<port>/<name>.git.
//
//   const git = await startGitServer('fleet');
//   t.teardown(() => git.stop());
//   const sha = await git.commit({ 'apps/gateway.yaml': yaml }, 'add the gateway');
//
// commit(files, message) replaces the whole tree with `files` (path → content), so each commit is
// exactly the state the test names; it returns the new commit's full SHA-1.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { makeTempDir, removeTempDir, run } from './processes.ts';

export type GitServer = {
  /** http://127.0.0.1:<port>/<name>.git */
  url: string;
  branch: string;
  commit(files: Record<string, string>, message: string): Promise<string>;
  stop(): Promise<void>;
};

const BRANCH = 'main';
// Fixed identity and no user config: commits must not depend on the machine's git setup.
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'certguard e2e',
  GIT_AUTHOR_EMAIL: 'e2e@certguard.invalid',
  GIT_COMMITTER_NAME: 'certguard e2e',
  GIT_COMMITTER_EMAIL: 'e2e@certguard.invalid',
};

const git = async (cwd: string, args: string[]): Promise<string> => {
  const result = await run('git', args, { cwd, env: GIT_ENV });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim();
};

/** The CGI meta-variables http-backend reads (RFC 3875), plus the request's headers as HTTP_*. */
const cgiEnv = (req: IncomingMessage, projectRoot: string): NodeJS.ProcessEnv => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [`HTTP_${name.toUpperCase().replaceAll('-', '_')}`, String(value)]));
  return {
    ...GIT_ENV,
    ...headers,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    CONTENT_LENGTH: req.headers['content-length'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
};

/** Splits a CGI response into its header block and body; `Status:` becomes the HTTP status. */
const relay = (output: Buffer, res: ServerResponse) => {
  const end = output.indexOf('\r\n\r\n') >= 0 ? output.indexOf('\r\n\r\n') : output.indexOf('\n\n');
  const separator = output.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
  if (end < 0) {
    res.writeHead(502).end('git http-backend gave no CGI headers');
    return;
  }
  let status = 200;
  for (const line of output.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
    else if (name) res.setHeader(name, value);
  }
  res.writeHead(status).end(output.subarray(end + separator));
};

const handle = (projectRoot: string) => (req: IncomingMessage, res: ServerResponse) => {
  const child = spawn('git', ['http-backend'], { env: cgiEnv(req, projectRoot), stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.once('error', () => res.writeHead(500).end('git http-backend failed to start'));
  child.once('close', () => relay(Buffer.concat(chunks), res));
  child.stdin.on('error', () => {}); // it may answer before reading the whole body
  req.pipe(child.stdin);
};

export const startGitServer = async (name: string): Promise<GitServer> => {
  const dir = makeTempDir('git');
  const projectRoot = join(dir, 'served');
  const bare = join(projectRoot, `${name}.git`);
  const work = join(dir, 'work');
  mkdirSync(bare, { recursive: true });
  mkdirSync(work);
  await git(bare, ['init', '--quiet', '--bare', `--initial-branch=${BRANCH}`]);
  await git(work, ['init', '--quiet', `--initial-branch=${BRANCH}`]);
  await git(work, ['remote', 'add', 'origin', bare]);

  const server = createServer(handle(projectRoot));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('git server has no address');

  const commit = async (files: Record<string, string>, message: string): Promise<string> => {
    await git(work, ['rm', '-r', '--quiet', '--ignore-unmatch', '.']);
    for (const [path, content] of Object.entries(files)) {
      const file = join(work, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    await git(work, ['add', '--all']);
    await git(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
    await git(work, ['push', '--quiet', 'origin', BRANCH]);
    return git(work, ['rev-parse', 'HEAD']);
  };

  return {
    url: `http://127.0.0.1:${address.port}/${name}.git`,
    branch: BRANCH,
    commit,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeTempDir(dir);
    },
  };
};
