import type { ArtifactTransferReport } from '@remote-agent/contracts';

/** A transfer as the daemon knows it; the MCP tools add a hint. */
export type TransferView = Omit<ArtifactTransferReport, 'hint'>;

export interface UploadRequest {
  executorId: string;
  /** On the daemon's machine: absolute, or relative to the first artifact root. */
  localPath: string;
  /** On the executor: the full path of the new file or folder. */
  remotePath: string;
  overwrite: boolean;
  createDirs: boolean;
}

export interface DownloadRequest {
  executorId: string;
  remotePath: string;
  /** Default: the remote name, in the first artifact root. */
  localPath?: string;
  overwrite: boolean;
  createDirs: boolean;
}

export interface TransferWaitOptions {
  /** Return the current view, even if not completed, after this long. */
  maxWaitMs: number;
  signal?: AbortSignal;
  /** Called as bytes move or the state changes (throttling is the caller's business). */
  onProgress?: (view: TransferView) => void;
}

/**
 * File and folder transfers between the daemon's machine and executors (artifact.upload / artifact.download
 * requests with their byte streams). Local paths are confined to the artifact roots. A transfer runs in
 * the background once started; it is cancelled like any request (DaemonCore.cancel).
 */
export interface ArtifactTransfers {
  readonly roots: readonly string[];
  /** Checks the local side, submits the request and starts sending; resolves with the first view. */
  upload(request: UploadRequest): Promise<TransferView>;
  /** Checks and prepares the local destination, submits the request and starts receiving. */
  download(request: DownloadRequest): Promise<TransferView>;
  /** Throws UNKNOWN_REQUEST for an id that is not a transfer this daemon knows. */
  get(requestId: string): TransferView;
  /** Resolves once completed, after maxWaitMs, or on abort, whichever is first. */
  wait(requestId: string, options: TransferWaitOptions): Promise<TransferView>;
}
