// `certguard <command> [flags]`: one file per command, each exporting run(args) → exit code.
const COMMANDS: Record<string, string> = {
  serve: 'run the admission webhook (HTTPS admission port + HTTP probes/metrics port)',
  dev: 'make localhost dev certificates if missing, then serve (example cluster view when no kubeconfig)',
  certs: 'generate a CA and a serving certificate; print the base64 caBundle',
  check: 'judge manifests offline against a folder of cluster objects (GitOps pre-flight)',
  explain: 'the issuance chain behind a Gateway, ListenerSet, Certificate or Secret, the first broken hop named',
  audit: 'judge what exists (a folder of objects or the live cluster) as the webhook would now; exit 1 on failures',
  bootstrap: 'in-cluster: create or renew the CA + serving Secret and patch caBundle into the webhooks',
  version: "print certguard's version",
};

const usage = (): string =>
  [
    'usage: certguard <command> [flags]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(10)} ${text}`),
    '',
    'certguard <command> -h for its flags',
  ].join('\n');

export const main = async (argv: string[]): Promise<number> => {
  const [command, ...rest] = argv;
  // Bare `certguard` asks what there is, as bare kubectl and helm do: usage, success.
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (command === '--version') return main(['version', ...rest]);
  if (!Object.hasOwn(COMMANDS, command)) {
    process.stderr.write(`certguard: unknown command "${command}"\n${usage()}\n`);
    return 2;
  }
  const module = (await import(`./${command}.ts`)) as { run: (args: string[]) => Promise<number> };
  return module.run(rest);
};
