// The runtime settings of certguard's image, read from the Dockerfile itself so that a bench
// measures with exactly what the image runs: the ENTRYPOINT's node flags and the runtime stage's
// ENV (NODE_OPTIONS, glibc's allocator variables, NODE_ENV). NODE_COMPILE_CACHE is left to the
// bench: its path is the image's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ImageSettings = { nodeFlags: string[]; env: Record<string, string> };

/** The lines of the last stage, continuation lines joined. */
const runtimeStage = (dockerfile: string): string[] => {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim());
  const from = lines.findLastIndex((line) => /^FROM\s/i.test(line));
  return lines.slice(from + 1).filter((line) => line && !line.startsWith('#'));
};

/** `KEY=value KEY2="two words"` */
const envOf = (line: string): Array<[string, string]> =>
  [...line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)].map((match) => [match[1]!, match[3] ?? match[2]!]);

/** DOCKERFILE=<path>: another Dockerfile's settings (an earlier commit's, to compare with). */
export const imageSettings = (dockerfilePath = process.env.DOCKERFILE ?? join(import.meta.dirname, '..', 'Dockerfile')): ImageSettings => {
  const stage = runtimeStage(readFileSync(dockerfilePath, 'utf8'));
  const env = Object.fromEntries(stage.filter((line) => /^ENV\s/i.test(line)).flatMap((line) => envOf(line.replace(/^ENV\s+/i, ''))));
  delete env.NODE_COMPILE_CACHE;
  const entrypoint = stage.findLast((line) => /^ENTRYPOINT\s/i.test(line));
  const argv = JSON.parse(entrypoint?.replace(/^ENTRYPOINT\s+/i, '') ?? '[]') as string[];
  const script = argv.findIndex((arg) => arg.endsWith('certguard.js'));
  if (script < 1) throw new Error(`Dockerfile: no ENTRYPOINT running certguard.js with node (${entrypoint ?? 'none'})`);
  return { nodeFlags: argv.slice(1, script), env };
};
