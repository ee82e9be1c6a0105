import { z } from 'zod';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, RemoteAgentError, toErrorInfo, type ToolName } from '@remote-agent/contracts';
import type { Clock, Logger } from '@remote-agent/transport';
import type { DaemonCore } from '../core-api.js';
import { describeInputIssues } from './input-errors.js';

/** Settings the tools need from the daemon's configuration. */
export interface ToolSettings {
  /** A waited run returns `running` after this long (DAEMON_RUN_MAX_WAIT_MS). */
  runMaxWaitMs: number;
  /** Progress notifications are sent at most this often (DAEMON_PROGRESS_INTERVAL_MS). */
  progressIntervalMs: number;
}

/** Sends one MCP progress notification for the call being served. */
export type ProgressSink = (progress: number, message: string) => Promise<void>;

/** The advertised name of a tool (in the daemon's naming mode), for descriptions, hints and errors. */
export type ToolNamer = (canonical: ToolName) => string;

export interface ToolContext {
  core: DaemonCore;
  settings: ToolSettings;
  clock: Clock;
  logger: Logger;
  name: ToolNamer;
  /** Aborted when the client cancels the call or goes away. */
  signal: AbortSignal;
  /** Null when the client did not ask for progress (no `_meta.progressToken`). */
  progress: ProgressSink | null;
}

export type JsonObjectSchema = { type: 'object'; [key: string]: unknown };

/** What one tool module declares; `defineTool` turns it into a Tool the server can list and call. */
export interface ToolSpec<I extends z.ZodType, O extends z.ZodType> {
  /** Canonical dotted name. */
  name: ToolName;
  title: string;
  description: (name: ToolNamer) => string;
  annotations: Omit<ToolAnnotations, 'title'>;
  input: I;
  output: O;
  /** Throws RemoteAgentError for anything the caller can fix; the message says what to do. */
  run(args: z.output<I>, ctx: ToolContext): Promise<z.input<O>>;
  /** A short line an agent reads before the JSON; defaults to none. */
  summarize?(output: z.output<O>): string;
}

export interface Tool {
  readonly name: ToolName;
  readonly title: string;
  readonly annotations: ToolAnnotations;
  readonly inputSchema: JsonObjectSchema;
  readonly outputSchema: JsonObjectSchema;
  describe(name: ToolNamer): string;
  /** Never throws: every failure becomes a result with isError. */
  call(args: unknown, ctx: ToolContext): Promise<CallToolResult>;
}

function jsonObjectSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObjectSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io }) as Record<string, unknown>;
  if (json.type !== 'object') throw new Error('MCP tool schemas must describe objects');
  return json as JsonObjectSchema;
}

export function errorResult(code: string, message: string): CallToolResult {
  return { content: [{ type: 'text', text: `${code}: ${message}` }], isError: true };
}

export function defineTool<I extends z.ZodType, O extends z.ZodType>(spec: ToolSpec<I, O>): Tool {
  const inputSchema = jsonObjectSchema(spec.input, 'input');
  const outputSchema = jsonObjectSchema(spec.output, 'output');
  return {
    name: spec.name,
    title: spec.title,
    annotations: { title: spec.title, ...spec.annotations },
    inputSchema,
    outputSchema,
    describe: spec.description,
    async call(args, ctx) {
      const parsedArgs = spec.input.safeParse(args ?? {});
      if (!parsedArgs.success) {
        const self = ctx.name(spec.name);
        return errorResult(
          ErrorCode.BadRequest,
          `invalid arguments for ${self}: ${describeInputIssues(parsedArgs.error.issues)}. Fix them and call ${self} again.`,
        );
      }
      let produced: z.input<O>;
      try {
        produced = await spec.run(parsedArgs.data, ctx);
      } catch (err) {
        if (!(err instanceof RemoteAgentError)) ctx.logger.error('mcp tool failed', { tool: spec.name, error: err });
        const info = toErrorInfo(err);
        return errorResult(info.code, info.message);
      }
      const structured = spec.output.safeParse(produced);
      if (!structured.success) {
        ctx.logger.error('mcp tool reply does not match its output schema', {
          tool: spec.name,
          problem: describeInputIssues(structured.error.issues),
        });
        return errorResult(
          ErrorCode.Internal,
          `the daemon built an invalid reply for ${ctx.name(spec.name)}; this is a bug: please report it with the daemon's log`,
        );
      }
      // The spec asks for the structured result as JSON text too, for clients that ignore structuredContent;
      // the summary before it is what an agent reads first.
      const json = { type: 'text' as const, text: JSON.stringify(structured.data) };
      const summary = spec.summarize?.(structured.data);
      return {
        content: summary === undefined ? [json] : [{ type: 'text', text: summary }, json],
        structuredContent: structured.data as Record<string, unknown>,
      };
    },
  };
}
