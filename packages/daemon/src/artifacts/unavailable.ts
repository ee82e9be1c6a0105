import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import type { ArtifactTransfers } from './api.js';

function unavailable(): never {
  throw new RemoteAgentError(ErrorCode.NotConnected, 'artifact transfers are not available in this daemon');
}

/** For DaemonCore stand-ins that carry no transfers (the MCP server's unit tests). */
export const unavailableArtifacts: ArtifactTransfers = {
  roots: [],
  upload: async () => unavailable(),
  download: async () => unavailable(),
  get: () => unavailable(),
  wait: async () => unavailable(),
};
