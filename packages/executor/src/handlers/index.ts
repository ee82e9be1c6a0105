import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import type { RequestHandler } from './handler.js';
import { createInstructionHandler, type InstructionHandlerOptions } from './instruction.js';
import { createOutputReadHandler, type OutputReadHandlerOptions } from './output-read.js';
import { createRunHandler, type RunHandlerOptions } from './run.js';
import { createFsHandlers } from './fs.js';
import { createArtifactUploadHandler, type ArtifactHandlerOptions } from './artifact-upload.js';
import { createArtifactDownloadHandler } from './artifact-download.js';

export * from './handler.js';
export { createRunHandler, mergeEnv, type RunHandlerOptions } from './run.js';
export { createInstructionHandler, type InstructionHandlerOptions } from './instruction.js';
export { createOutputReadHandler, type OutputReadHandlerOptions } from './output-read.js';
export { createFsHandler, createFsHandlers } from './fs.js';
export { createArtifactUploadHandler, type ArtifactHandlerOptions } from './artifact-upload.js';
export { createArtifactDownloadHandler } from './artifact-download.js';

/** The request kinds an executor handles, by kind; advertised as `capabilities` in its hello. */
export class HandlerRegistry {
  private readonly byKind = new Map<string, RequestHandler>();

  constructor(handlers: readonly RequestHandler[]) {
    for (const handler of handlers) {
      if (this.byKind.has(handler.kind)) {
        throw new RemoteAgentError(ErrorCode.Internal, `two handlers registered for request kind "${handler.kind}"`);
      }
      this.byKind.set(handler.kind, handler);
    }
  }

  get(kind: string): RequestHandler | undefined {
    return this.byKind.get(kind);
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }
}

/** What the built-in handlers need from the executor. */
export interface HandlerDeps {
  run: RunHandlerOptions;
  instruction: InstructionHandlerOptions;
  outputRead: OutputReadHandlerOptions;
  artifact?: ArtifactHandlerOptions;
}

/** Every request kind this executor handles. A new kind is one handler module plus one line here. */
export function createHandlers(deps: HandlerDeps): RequestHandler[] {
  return [
    createRunHandler(deps.run),
    createInstructionHandler(deps.instruction),
    createOutputReadHandler(deps.outputRead),
    ...createFsHandlers(),
    createArtifactUploadHandler(deps.artifact),
    createArtifactDownloadHandler(deps.artifact),
  ];
}
