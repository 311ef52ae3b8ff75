// The failures of a tap run, one line each with the subtests that lead to them, so the last lines
// of a long CI log say what failed without the thousands of lines before them.

const SUBTEST = /^(\s*)# Subtest: (.*)$/;
const NOT_OK = /^(\s*)not ok \d+ - (.*?)(?: # time=[\d.]+m?s)?$/;

/** Collects failures from tap's output lines, fed one at a time. */
export const failureCollector = (): { add: (line: string) => void; failures: () => string[] } => {
  const path: Array<{ depth: number; name: string }> = [];
  const found: string[] = [];
  const add = (line: string): void => {
    const subtest = SUBTEST.exec(line);
    if (subtest) {
      const depth = subtest[1]!.length;
      while (path.length > 0 && path[path.length - 1]!.depth >= depth) path.pop();
      path.push({ depth, name: subtest[2]! });
      return;
    }
    const notOk = NOT_OK.exec(line);
    if (!notOk) return;
    // A subtest's own "not ok" closes it at its parent's depth; an assertion's sits one level in.
    const depth = notOk[1]!.length;
    found.push([...path.filter((step) => step.depth < depth).map((step) => step.name), notOk[2]!].join(' › '));
  };
  // A failed subtest is listed after its failed assertions: keep only the deepest line of each chain.
  const failures = (): string[] =>
    found.filter((line, index) => !found.slice(0, index).some((earlier) => earlier.startsWith(`${line} › `) || earlier === line));
  return { add, failures };
};
