#!/usr/bin/env node
// Node 24 runs the TypeScript sources directly (type stripping): no build step.
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Node's compile cache keeps each module's stripped source and V8 code, keyed by its content: a
// command starts ~40 % faster from the second run on (bench/README.md, "CLI start"), as tsc does
// it. Per user, not in os.tmpdir() where another user could plant entries. NODE_COMPILE_CACHE
// (the image's, filled at build time) is already on and wins; NODE_DISABLE_COMPILE_CACHE=1 turns
// it off; a directory that cannot be made leaves it off, without an error.
const userCacheDir = () => {
  try {
    return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'certguard', 'node-compile-cache');
  } catch {
    return undefined; // no home directory
  }
};
const cacheDir = process.env.NODE_COMPILE_CACHE ? undefined : userCacheDir();
if (cacheDir) enableCompileCache(cacheDir);

// Imported after the cache is on, or every module would load before it.
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
