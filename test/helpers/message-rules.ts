// The rules every policy message follows (CONTRIBUTING.md "Messages are API"): one line, no "; "
// inside (complete.ts joins the violations of one request with "; ", so a reader can split them
// again), and a lowercase start. A message may open with the Kubernetes object it is about,
// written "<Kind> <namespace>/<name>" as the API spells the kind ("Certificate app/web-tls: ...").

const OBJECT_REFERENCE = /^[A-Z][A-Za-z]+ [a-z0-9][a-z0-9.-]*\/[a-z0-9][a-z0-9.-]*[: ]/;

export const messageProblems = (message: string): string[] => {
  const problems: string[] = [];
  if (/[\r\n]/.test(message)) problems.push('more than one line');
  if (message.includes('; ')) problems.push('contains "; " (the separator between violations)');
  if (!/^[a-z]/.test(message) && !OBJECT_REFERENCE.test(message))
    problems.push('does not start with a lowercase letter or an object reference "<Kind> <namespace>/<name>"');
  if (message.trim() !== message || message === '') problems.push('empty or padded with whitespace');
  return problems;
};
