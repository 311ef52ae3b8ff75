// `certguard version`: the version of this build, from package.json (the one place it is set).
import { readFileSync } from 'node:fs';

export const certguardVersion = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const run = async (args: string[]): Promise<number> => {
  if (args.length > 0 && !['-h', '--help'].includes(args[0] ?? '')) {
    process.stderr.write(`certguard version: takes no arguments, got "${args[0]}"\n`);
    return 2;
  }
  process.stdout.write(args.length > 0 ? "usage: certguard version\nPrint certguard's version.\n" : `certguard ${certguardVersion()}\n`);
  return 0;
};
