// The CLI in a child process, as a user runs it: exit code, stdout and stderr, never a throw.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const CLI = join(import.meta.dirname, '../../bin/certguard.js');

export type CliResult = { code: number; stdout: string; stderr: string };

/** Any executable (bin/kubectl-certguard runs with the node on PATH, as kubectl starts it). */
export const runFile = async (file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> => {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, env ? { env } : {});
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

/** `certguard ARGS` on this process's Node. */
export const certguard = (args: string[]): Promise<CliResult> => runFile(process.execPath, [CLI, ...args]);
