import {
  ErrorCode,
  FsKindEffects,
  FsRequestResults,
  FsToolInputSchemas,
  RemoteAgentError,
  ToolNames,
  type FsKind,
  type ToolName,
} from '@remote-agent/contracts';
import type { z } from 'zod';
import { defineTool, type Tool, type ToolNamer } from '../tool.js';

/** Checked against the kind's result schema by defineTool before it reaches the client. */
type FsResultInput = z.input<(typeof FsRequestResults)[FsKind]>;

interface FsToolDoc {
  title: string;
  description: (name: ToolNamer) => string;
  summarize?: (result: Record<string, unknown>) => string;
}

const paths = "Paths are absolute, or relative to the executor's working folder (Windows or POSIX form, as the executor's platform).";

const docs: Record<FsKind, FsToolDoc> = {
  'fs.list': {
    title: 'List a folder on an executor',
    description: () =>
      'List the entries of a folder on an executor: name, type, size, mtime, mode, link target. depth > 1 recurses; ' +
      'include/exclude take globs; hidden files only with hidden=true. Pages of `limit` entries: pass nextCursor to ' +
      `continue. ${paths}`,
    summarize: (r) => `${(r.entries as unknown[]).length} entries in ${String(r.path)}${r.truncated ? ' (more: pass nextCursor)' : ''}`,
  },
  'fs.stat': {
    title: 'Describe a path on an executor',
    description: () =>
      'Whether a path exists on an executor and what it is (type, size, mtime, mode, link target); a missing path is a ' +
      `normal answer (exists=false). followLinks=false describes a link itself; hash=true adds the sha256 of a file. ${paths}`,
  },
  'fs.read': {
    title: 'Read a file on an executor',
    description: (name) =>
      'Read a file on an executor: text by line range (startLine/endLine) or bytes as base64 by offset/length, capped by ' +
      'maxBytes; truncated=true says where to continue (nextStartLine / nextOffset). UTF-8, UTF-16 with BOM and CRLF are ' +
      'kept exactly; binary files are reported, and returned only with format=base64. Returns the sha256 of the whole ' +
      `file: pass it as expectedSha256 to ${name(ToolNames.fsWrite)} or ${name(ToolNames.fsEdit)}. For big or binary ` +
      `files to copy, use ${name(ToolNames.artifactDownload)}. ${paths}`,
    summarize: (r) =>
      `${String(r.path)}: ${String(r.size)} bytes${r.truncated ? ', truncated (continue from nextStartLine/nextOffset)' : ''}${r.binary ? ', binary' : ''}`,
  },
  'fs.write': {
    title: 'Write a file on an executor',
    description: (name) =>
      'Create, overwrite or append to a file on an executor, from text or base64 (at most 512 KiB per call; append for ' +
      `more, or ${name(ToolNames.artifactUpload)}). Written atomically (temporary file + rename) keeping the file's mode ` +
      'and, for text, its encoding and BOM. Pass expectedSha256 from your last read so that a file changed since is ' +
      `refused (CONFLICT) instead of overwritten. createDirs=true creates missing folders. ${paths}`,
    summarize: (r) => `${r.created ? 'created' : 'wrote'} ${String(r.path)}: ${String(r.size)} bytes, sha256 ${String(r.sha256)}`,
  },
  'fs.edit': {
    title: 'Edit a text file on an executor',
    description: (name) =>
      'Replace exact text in a file on an executor: each edit\'s oldText must occur exactly once (or set replaceAll); ' +
      'missing or ambiguous text is refused with where it was found, and then nothing is written. Edits apply in order, ' +
      'line endings and encoding are kept, and the answer is a unified diff. dryRun=true shows the diff only. Pass ' +
      `expectedSha256 from ${name(ToolNames.fsRead)} to refuse a file changed since. ${paths}`,
    summarize: (r) => `${r.written ? 'edited' : 'not written'} ${String(r.path)}: ${String(r.replacements)} replacement(s)`,
  },
  'fs.search': {
    title: 'Search files on an executor',
    description: () =>
      'Search the files under a folder (or one file) on an executor for a regular expression or literal text, with glob ' +
      'filters, case, context lines and a cap on results. Binary files, files over maxFileBytes, and .git and ' +
      `node_modules (unless skipDefaultDirs=false) are skipped; truncated=true says the cap was reached. ${paths}`,
    summarize: (r) =>
      `${(r.matches as unknown[]).length} match(es) in ${String(r.filesSearched)} file(s)${r.truncated ? ' (truncated: narrow the search or raise maxResults)' : ''}`,
  },
  'fs.mkdir': {
    title: 'Create a folder on an executor',
    description: () => `Create a folder on an executor, with its missing parents unless parents=false; an existing folder is fine. ${paths}`,
  },
  'fs.move': {
    title: 'Move or rename on an executor',
    description: () =>
      'Move or rename a file or folder on an executor; `to` is the full new path. An existing destination is refused ' +
      `unless overwrite=true; across devices it is copied then removed. ${paths}`,
  },
  'fs.remove': {
    title: 'Remove a file or folder on an executor',
    description: () =>
      'Delete a file, link or empty folder on an executor; a folder with contents needs recursive=true (everything in it ' +
      `is deleted). A link is removed, not what it points to. ignoreMissing=true succeeds when nothing is there. ${paths}`,
  },
};

/**
 * One MCP tool for an fs.* request kind: input = the kind's params plus executorId, output = the kind's
 * result. It submits the request, waits at most DAEMON_RUN_MAX_WAIT_MS, and returns the result or the
 * executor's error (code and message) as a tool error.
 */
export function fsTool(kind: FsKind): Tool {
  const doc = docs[kind];
  const effects = FsKindEffects[kind];
  return defineTool({
    name: kind satisfies ToolName,
    title: doc.title,
    description: doc.description,
    annotations: {
      readOnlyHint: effects.readOnly,
      destructiveHint: effects.destructive,
      idempotentHint: effects.readOnly || kind === 'fs.mkdir',
      openWorldHint: false,
    },
    input: FsToolInputSchemas[kind],
    output: FsRequestResults[kind],
    async run(args, ctx) {
      const { executorId, ...params } = args;
      const submitted = ctx.core.submit(executorId, kind, params);
      const view =
        submitted.state === 'completed'
          ? submitted
          : await ctx.core.waitForRequest(submitted.requestId, { maxWaitMs: ctx.settings.runMaxWaitMs, signal: ctx.signal });
      if (view.state !== 'completed') {
        throw new RemoteAgentError(
          ErrorCode.TimedOut,
          `${ctx.name(kind)} on ${executorId} has not finished after ${Math.round(ctx.settings.runMaxWaitMs / 1000)} s (it is ${view.state}); ` +
            `call ${ctx.name(ToolNames.remoteRequestStatus)} with requestId "${view.requestId}" for its result, or ${ctx.name(ToolNames.remoteCancel)} to stop it`,
        );
      }
      if (!view.ok) {
        throw view.error
          ? RemoteAgentError.fromInfo(view.error)
          : new RemoteAgentError(ErrorCode.Internal, `${ctx.name(kind)} on ${executorId} ended ${view.outcome} without saying why`);
      }
      return view.result as FsResultInput;
    },
    ...(doc.summarize === undefined ? {} : { summarize: (out: unknown) => doc.summarize!(out as Record<string, unknown>) }),
  });
}
