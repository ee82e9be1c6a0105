import { FS_KINDS, FsRequestParams, type FsKind } from '@remote-agent/contracts';
import type { z } from 'zod';
import { runFsOperation } from '../fs/index.js';
import type { RequestHandler } from './handler.js';

/**
 * `fs.*`: one handler per kind over the fs operations library. They are quick and hold no process, so
 * they take no concurrency slot; a thrown RemoteAgentError (NOT_FOUND, CONFLICT, ...) becomes outcome
 * `failed` with its code and message, and cancelling aborts the operation's signal.
 */
export function createFsHandler(kind: FsKind): RequestHandler<z.output<(typeof FsRequestParams)[FsKind]>> {
  return {
    kind,
    params: FsRequestParams[kind],
    usesSlot: false,
    async handle(params, ctx) {
      const result = await runFsOperation(kind, params, { workDir: ctx.workDir, signal: ctx.signal });
      return { outcome: 'done', ok: true, result };
    },
  };
}

export function createFsHandlers(): RequestHandler[] {
  return FS_KINDS.map((kind) => createFsHandler(kind));
}
