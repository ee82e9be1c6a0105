/** Longest a single cleanup step may take before the next one runs. */
const STEP_TIMEOUT_MS = 10_000;

interface Task {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Undo steps (stop processes, remove folders) run last-in first-out, on success, on error and on SIGINT.
 * One object per benchmark run, passed to whatever starts something that must be undone.
 */
export class Cleanup {
  private readonly tasks: Task[] = [];
  private running: Promise<string[]> | null = null;

  /** Registers a step; the returned function runs it now (once) and forgets it. */
  add(name: string, run: () => Promise<void> | void): () => Promise<void> {
    const task: Task = { name, run };
    this.tasks.push(task);
    return async () => {
      const at = this.tasks.indexOf(task);
      if (at < 0) return;
      this.tasks.splice(at, 1);
      await runBounded(task);
    };
  }

  /** Runs every remaining step; resolves with the problems met (never rejects). */
  runAll(): Promise<string[]> {
    this.running ??= (async () => {
      const problems: string[] = [];
      while (this.tasks.length > 0) {
        const task = this.tasks.pop()!;
        const problem = await runBounded(task);
        if (problem !== null) problems.push(problem);
      }
      this.running = null;
      return problems;
    })();
    return this.running;
  }
}

async function runBounded(task: Task): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${task.name}: did not finish within ${STEP_TIMEOUT_MS} ms`), STEP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve(task.run()).then(() => null), timeout]);
  } catch (err) {
    return `${task.name}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}
