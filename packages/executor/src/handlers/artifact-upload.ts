import {
  ArtifactUploadParamsSchema,
  RemoteAgentError,
  type ArtifactResult,
  type ArtifactUploadParams,
} from '@remote-agent/contracts';
import { StagedArtifact } from '@remote-agent/transfer';
import { DataReceiver } from '@remote-agent/transport';
import { fsError } from '../fs/errors.js';
import { resolveFsPath } from '../fs/paths.js';
import type { RequestHandler } from './handler.js';

export interface ArtifactHandlerOptions {
  /** Stream timing, shorter in tests. */
  stallMs?: number;
  idleTimeoutMs?: number;
}

/**
 * `artifact.upload`: receives a file or folder from the daemon over the request's byte stream and puts it
 * at `path` once its sha256 matched; a cancel, a failure or a mismatch leaves nothing behind.
 */
export function createArtifactUploadHandler(opts: ArtifactHandlerOptions = {}): RequestHandler<ArtifactUploadParams> {
  return {
    kind: 'artifact.upload',
    params: ArtifactUploadParamsSchema,
    // A transfer runs no process and its memory and rate are bounded by the stream; queued behind commands,
    // its peer would wait with nothing to show and time out.
    usesSlot: false,
    async handle(params, ctx) {
      const target = resolveFsPath(params.path, ctx.workDir);
      const staged = await StagedArtifact.create(target, {
        overwrite: params.overwrite,
        createDirs: params.createDirs,
        expectedType: params.type,
        errorFor: fsError,
        ...(params.fileMode === undefined ? {} : { fileMode: parseInt(params.fileMode, 8) }),
      });
      const receiver = new DataReceiver({
        channel: ctx.channel,
        sink: staged,
        clock: ctx.clock,
        signal: ctx.signal,
        logger: ctx.logger,
        ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }),
      });
      try {
        const summary = await receiver.run();
        const { type, ...tally } = staged.content();
        const result: ArtifactResult = { path: target, type: type ?? params.type, bytes: summary.size, sha256: summary.sha256, ...tally };
        ctx.logger.info('artifact received', { path: target, type: result.type, bytes: summary.size, files: result.files });
        return { outcome: 'done', ok: true, result };
      } catch (err) {
        await staged.discard();
        throw err instanceof RemoteAgentError ? err : fsError(err, 'write', target);
      } finally {
        receiver.close();
      }
    },
  };
}
