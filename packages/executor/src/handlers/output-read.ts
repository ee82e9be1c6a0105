import { ErrorCode, OutputReadParamsSchema, RemoteAgentError, type OutputReadResult, type RequestResult } from '@remote-agent/contracts';
import type { z } from 'zod';
import type { OutputLog } from '../output-log.js';
import type { RequestHandler } from './handler.js';

type OutputReadParams = z.infer<typeof OutputReadParamsSchema>;

export interface OutputReadHandlerOptions {
  executorId: string;
  outputLog: OutputLog;
  outputRetain: number;
  outputRetainBytes: number;
  /** What the executor knows of a request: running/queued, its result, or nothing. */
  lookup: (requestId: string) => { active: boolean; result: RequestResult | null } | null;
}

/** `output.read`: pages through the output an earlier (or running) request left on this executor's disk. */
export function createOutputReadHandler(opts: OutputReadHandlerOptions): RequestHandler<OutputReadParams> {
  return {
    kind: 'output.read',
    params: OutputReadParamsSchema,
    usesSlot: false,
    async handle(params) {
      const { targetRequestId, ...read } = params;
      if (!opts.outputLog.keepsOutput) {
        throw new RemoteAgentError(
          ErrorCode.NotFound,
          `executor ${opts.executorId} keeps no output on disk (EXECUTOR_OUTPUT_MAX_BYTES=0): only the output the daemon ` +
            `received while the request ran is available`,
        );
      }
      // Every byte the daemon has seen was handed to the log first, so after this a read covers all of them.
      await opts.outputLog.flushed(targetRequestId);
      const found = opts.outputLog.read(targetRequestId, read);
      if (found) return { outcome: 'done', ok: true, result: found };
      const known = opts.lookup(targetRequestId);
      const produced = known?.result?.[params.stream === 'stdout' ? 'stdoutBytes' : 'stderrBytes'] ?? 0;
      if (!known || produced > 0) {
        throw new RemoteAgentError(
          ErrorCode.NotFound,
          `executor ${opts.executorId} keeps no output for request ${targetRequestId}: it did not run there, or its output ` +
            `was removed to keep the last ${opts.outputRetain} runs (EXECUTOR_OUTPUT_RETAIN) within ` +
            `${opts.outputRetainBytes} bytes (EXECUTOR_OUTPUT_RETAIN_BYTES)`,
        );
      }
      const empty: OutputReadResult = {
        stream: params.stream,
        data: '',
        encoding: 'utf8',
        offset: 0,
        nextOffset: 0,
        totalBytes: 0,
        discardedBytes: 0,
        complete: !known.active,
      };
      return { outcome: 'done', ok: true, result: empty };
    },
  };
}
