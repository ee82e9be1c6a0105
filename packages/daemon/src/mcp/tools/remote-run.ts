import { RemoteRunInputSchema, RemoteRunOutputSchema, ToolNames, type RunParams } from '@remote-agent/contracts';
import { createProgressReporter } from '../progress.js';
import { summarizeReport, toRequestReport } from '../request-report.js';
import { defineTool } from '../tool.js';

/**
 * A run with a timeout ends on the executor a little after timeoutMs (kill, then the result's trip back);
 * waiting that much longer returns the timed_out result instead of a `running` the agent must poll.
 */
export const TIMEOUT_REPORT_MARGIN_MS = 2000;

export const remoteRunTool = defineTool({
  name: ToolNames.remoteRun,
  title: 'Run a command on an executor',
  description: (name) =>
    'Run a shell command on a remote machine (executor) and return its exit code, stdout and stderr (kept apart). ' +
    'It can do anything the executor\'s user can. By default it waits for the command to finish, but at most ' +
    `the daemon's max wait (about 45 s); a longer command then returns status "running" with the output so far: ` +
    `poll it with ${name(ToolNames.remoteRequestStatus)} using the returned requestId, or stop it with ` +
    `${name(ToolNames.remoteCancel)}. Pass waitForCompletion=false to start a long command and poll. ` +
    `Pick an online executorId from ${name(ToolNames.executorsList)}.`,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: RemoteRunInputSchema,
  output: RemoteRunOutputSchema,
  async run(args, ctx) {
    const { executorId, waitForCompletion, ...fields } = args;
    const params: RunParams = { command: fields.command };
    if (fields.cwd !== undefined) params.cwd = fields.cwd;
    if (fields.env !== undefined) params.env = fields.env;
    if (fields.timeoutMs !== undefined) params.timeoutMs = fields.timeoutMs;
    if (fields.stdin !== undefined) params.stdin = fields.stdin;

    const submitted = ctx.core.submit(executorId, 'run', params);
    if (!waitForCompletion || submitted.state === 'completed') return toRequestReport(submitted, ctx.name);

    const maxWaitMs =
      params.timeoutMs === undefined
        ? ctx.settings.runMaxWaitMs
        : Math.min(ctx.settings.runMaxWaitMs, params.timeoutMs + TIMEOUT_REPORT_MARGIN_MS);
    const reporter =
      ctx.progress === null
        ? null
        : createProgressReporter({
            send: ctx.progress,
            clock: ctx.clock,
            intervalMs: ctx.settings.progressIntervalMs,
            logger: ctx.logger,
          });
    try {
      const view = await ctx.core.waitForRequest(submitted.requestId, {
        maxWaitMs,
        signal: ctx.signal,
        onProgress: reporter === null ? undefined : (v) => reporter.update(v),
      });
      return toRequestReport(view, ctx.name);
    } finally {
      reporter?.stop();
    }
  },
  summarize: summarizeReport,
});
