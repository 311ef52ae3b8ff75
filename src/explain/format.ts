// How explain prints: a healthy chain in one line, a chain that is not healthy hop by hop with
// its cause (the first broken hop's sentence) last; -v expands every chain with each hop's
// details. JSON and YAML print the Explanation as it is (model.ts).
import { stringify } from 'yaml';
import type { Chain, Explanation, Hop } from './model.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const HOP_WIDTH = 13;
const STATUS_WIDTH = 11;

const titleOf = (chain: Chain): string => {
  const secret = `Secret ${chain.secret.namespace}/${chain.secret.name}`;
  if (!chain.listener) return secret;
  const { listener, protocol, port, hostname, owner } = chain.listener;
  const where = [protocol, port, hostname ?? 'any hostname'].filter((part) => part !== undefined).join(' ');
  return `${owner.kind === 'ListenerSet' ? `ListenerSet ${owner.name} ` : ''}listener ${listener} (${where}) -> ${secret}`;
};

const verdictOf = (chain: Chain): string => (chain.cause ? `${chain.status} at ${chain.cause.hop}` : chain.status);

const hopLines = (hop: Hop, verbose: boolean, isCause: boolean): string[] => {
  const line = `    ${hop.hop.padEnd(HOP_WIDTH)}${(isCause ? hop.status.toUpperCase() : hop.status).padEnd(STATUS_WIDTH)}${hop.summary}`;
  return [line, ...(verbose ? hop.details.map((detail) => `    ${' '.repeat(HOP_WIDTH + STATUS_WIDTH)}${detail}`) : [])];
};

const chainLines = (chain: Chain, verbose: boolean): string[] => {
  const head = `${chain.status === 'healthy' ? 'ok  ' : '!!  '}${titleOf(chain)}: ${verdictOf(chain)}`;
  if (chain.status === 'healthy' && !verbose) return [head];
  const hops = chain.hops.flatMap((hop) => hopLines(hop, verbose, chain.cause?.hop === hop.hop));
  return [head, ...hops, ...(chain.cause ? [`    cause: ${chain.cause.message}`] : []), ...(chain.cause?.note ? [`    note: ${chain.cause.note}`] : []), ''];
};

export const formatTable = (explanation: Explanation, verbose: boolean): string => {
  const { target, chains, notes } = explanation;
  const broken = chains.filter((chain) => chain.status !== 'healthy').length;
  const lines = [
    `${target.kind} ${target.namespace}/${target.name}: ${chains.length} certificate chains, ${broken} not healthy (${explanation.status})`,
    ...notes.map((note) => `note: ${note}`),
    '',
  ];
  for (const chain of chains) lines.push(...chainLines(chain, verbose));
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
};

export const formatExplanation = (explanation: Explanation, format: OutputFormat, verbose: boolean): string => {
  if (format === 'json') return `${JSON.stringify(explanation, null, 2)}\n`;
  if (format === 'yaml') return stringify(explanation, { lineWidth: 0 });
  return formatTable(explanation, verbose);
};
