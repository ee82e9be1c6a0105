/**
 * Node 22 warns that node:sqlite (the daemon's request journal) is experimental on every start; that line
 * tells an operator nothing they can act on. Every other warning is still written to stderr, as Node does.
 */
export function silenceSqliteExperimentalWarning(proc: NodeJS.Process = process): void {
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error & { code?: string }) => {
    if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
    const code = warning.code === undefined ? '' : `[${warning.code}] `;
    proc.stderr.write(`(node:${proc.pid}) ${code}${warning.name}: ${warning.message}\n`);
  });
}
