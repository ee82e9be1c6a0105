import {
  ArtifactDownloadParamsSchema,
  RemoteAgentError,
  type ArtifactDownloadParams,
  type ArtifactResult,
} from '@remote-agent/contracts';
import { openArtifactSource } from '@remote-agent/transfer';
import { DataSender } from '@remote-agent/transport';
import { fsError } from '../fs/errors.js';
import { resolveFsPath } from '../fs/paths.js';
import type { ArtifactHandlerOptions } from './artifact-upload.js';
import type { RequestHandler } from './handler.js';

/**
 * `artifact.download`: sends the file or folder at `path` (a folder as a tar stream) to the daemon over the
 * request's byte stream, as fast as the daemon's credit allows. Done once the daemon verified the sha256
 * and put it in place.
 */
export function createArtifactDownloadHandler(opts: ArtifactHandlerOptions = {}): RequestHandler<ArtifactDownloadParams> {
  return {
    kind: 'artifact.download',
    params: ArtifactDownloadParamsSchema,
    // A transfer runs no process and its memory and rate are bounded by the stream; queued behind commands,
    // its peer would wait with nothing to show and time out.
    usesSlot: false,
    async handle(params, ctx) {
      const file = resolveFsPath(params.path, ctx.workDir);
      const artifact = await openArtifactSource(file, { errorFor: fsError });
      const sender = new DataSender({
        channel: ctx.channel,
        source: artifact.source,
        clock: ctx.clock,
        signal: ctx.signal,
        logger: ctx.logger,
        ...(opts.stallMs === undefined ? {} : { stallMs: opts.stallMs }),
        ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }),
      });
      try {
        const summary = await sender.run();
        const result: ArtifactResult = { path: file, type: artifact.type, bytes: summary.size, sha256: summary.sha256, ...artifact.tally() };
        ctx.logger.info('artifact sent', { path: file, type: artifact.type, bytes: summary.size, resumes: sender.progress().resumes });
        return { outcome: 'done', ok: true, result };
      } catch (err) {
        throw err instanceof RemoteAgentError ? err : fsError(err, 'read', file);
      }
    },
  };
}
