// The container images of the in-cluster scenarios, built on first use by scripts/e2e-images.sh
// (the stand-in Node base, certguard from the repository's Dockerfile, the pause image,
// cert-manager's HTTP-01 solver) and cached as `docker save` tarballs; later calls return at once
// unless the sources changed.
import { join } from 'node:path';
import { repoRoot } from './paths.ts';
import { run } from './processes.ts';

export type Image = { reference: string; tarball: string };
export type Images = { base: Image; certguard: Image; pause: Image; acmesolver: Image };

let ensured: Promise<Images> | undefined;

const parse = (stdout: string): Images => {
  const lines = new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, reference, tarball] = line.split(' ');
        return [name, { reference, tarball }] as const;
      }),
  );
  const get = (name: string): Image => {
    const image = lines.get(name);
    if (!image?.reference || !image.tarball) throw new Error(`scripts/e2e-images.sh printed no ${name} image: ${stdout}`);
    return { reference: image.reference, tarball: image.tarball };
  };
  return { base: get('base'), certguard: get('certguard'), pause: get('pause'), acmesolver: get('acmesolver') };
};

/** Builds what is missing (cold: a few minutes, see docs/e2e.md). */
export const ensureImages = (): Promise<Images> => {
  ensured ??= (async () => {
    const result = await run('bash', [join(repoRoot, 'scripts/e2e-images.sh')], { timeoutMs: 90 * 60_000 });
    if (result.code !== 0) throw new Error(`scripts/e2e-images.sh failed (${result.code}):\n${result.stderr.slice(-4000)}`);
    return parse(result.stdout);
  })();
  return ensured;
};
