import { FS_KINDS } from '@remote-agent/contracts';
import type { Tool } from '../tool.js';
import { executorInstructionSetTool } from './executor-instruction-set.js';
import { executorsFindTool } from './executors-find.js';
import { executorsGetTool } from './executors-get.js';
import { executorsListTool } from './executors-list.js';
import { remoteCancelTool } from './remote-cancel.js';
import { remoteRequestStatusTool } from './remote-request-status.js';
import { remoteRunTool } from './remote-run.js';
import { fsTool } from './fs.js';
import { artifactUploadTool } from './artifact-upload.js';
import { artifactDownloadTool } from './artifact-download.js';
import { artifactStatusTool } from './artifact-status.js';

/** Every tool the daemon serves, in the order clients list them. New families add their modules here. */
export const defaultTools: readonly Tool[] = [
  executorsListTool,
  executorsGetTool,
  executorsFindTool,
  executorInstructionSetTool,
  remoteRunTool,
  remoteCancelTool,
  remoteRequestStatusTool,
  ...FS_KINDS.map(fsTool),
  artifactUploadTool,
  artifactDownloadTool,
  artifactStatusTool,
];
