import { ErrorCode, RemoteAgentError, isFsKind, type FsKind, type FsParamsInput, type FsResult } from '@remote-agent/contracts';
import type { FsContext } from './context.js';
import { fsEdit } from './edit.js';
import { fsList } from './list.js';
import { fsMkdir } from './mkdir.js';
import { fsMove } from './move.js';
import { fsRead } from './read.js';
import { fsRemove } from './remove.js';
import { fsSearch } from './search.js';
import { fsStat } from './stat.js';
import { fsWrite } from './write.js';

export type { FsContext } from './context.js';
export { resolveFsPath } from './paths.js';
export { fsEdit, fsList, fsMkdir, fsMove, fsRead, fsRemove, fsSearch, fsStat, fsWrite };

/** Each fs.* kind and the operation that carries it out. */
export const fsOperations: { [K in FsKind]: (params: FsParamsInput<K>, ctx: FsContext) => Promise<FsResult<K>> } = {
  'fs.list': fsList,
  'fs.stat': fsStat,
  'fs.read': fsRead,
  'fs.write': fsWrite,
  'fs.edit': fsEdit,
  'fs.search': fsSearch,
  'fs.mkdir': fsMkdir,
  'fs.move': (params, ctx) => fsMove(params, ctx),
  'fs.remove': fsRemove,
};

/**
 * The one entry a request handler needs: runs `kind` with params straight off the wire. Every
 * operation validates its params against the contracts schema first, so handing it `unknown` here is
 * safe; errors are RemoteAgentErrors (BAD_REQUEST for bad params, NOT_FOUND, CONFLICT, ...).
 */
export async function runFsOperation(kind: string, params: unknown, ctx: FsContext): Promise<unknown> {
  if (!isFsKind(kind)) {
    throw new RemoteAgentError(ErrorCode.UnsupportedKind, `"${kind}" is not an fs operation; known: ${Object.keys(fsOperations).join(', ')}`);
  }
  const operation = fsOperations[kind] as (params: unknown, ctx: FsContext) => Promise<unknown>;
  return operation(params, ctx);
}
