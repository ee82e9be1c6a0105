import { ToolNames, type ArtifactTransferReport } from '@remote-agent/contracts';
import type { TransferView } from '../artifacts/api.js';
import type { ToolNamer } from './tool.js';

const MB = 1_000_000;

function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** What an agent should do next with a transfer, or undefined when there is nothing to add. */
function nextStep(view: TransferView, name: ToolNamer): string | undefined {
  if (view.status !== 'completed') {
    return (
      `Still under way (${view.status}). Call ${name(ToolNames.artifactStatus)} with requestId "${view.requestId}" for its ` +
      `progress and result, or ${name(ToolNames.remoteCancel)} to stop it.`
    );
  }
  if (view.ok === false && view.outcome !== 'cancelled') {
    return `Nothing was put in place at the destination. Fix what the error says, then start the transfer again.`;
  }
  return undefined;
}

export function toTransferReport(view: TransferView, name: ToolNamer): ArtifactTransferReport {
  const hint = nextStep(view, name);
  return hint === undefined ? { ...view } : { ...view, hint };
}

/** One line an agent reads before the JSON. */
export function summarizeTransfer(report: ArtifactTransferReport): string {
  const what = `${report.direction} ${report.type ?? 'artifact'} ${report.direction === 'upload' ? `${report.localPath} -> ${report.executorId}:${report.remotePath}` : `${report.executorId}:${report.remotePath} -> ${report.localPath}`}`;
  if (report.status !== 'completed') {
    const total = report.totalBytes === null ? '' : ` of ${megabytes(report.totalBytes)}`;
    return `${what}: ${report.status}, ${megabytes(report.transferredBytes)}${total} so far`;
  }
  if (!report.ok) return `${what}: ${report.outcome}${report.error ? `: ${report.error.message}` : ''}`;
  const rate = report.megabytesPerSecond === null ? '' : ` at ${report.megabytesPerSecond} MB/s`;
  const resumed = report.resumes > 0 ? `, resumed ${report.resumes} time(s)` : '';
  return `${what}: done, ${megabytes(report.totalBytes ?? 0)}${rate}, sha256 ${report.sha256}${resumed}`;
}

/** Progress text for MCP notifications. */
export function progressMessage(view: TransferView): string {
  const total = view.totalBytes === null ? '' : ` of ${megabytes(view.totalBytes)}`;
  const resumed = view.resumes > 0 ? ` (resumed ${view.resumes}x)` : '';
  return `${view.direction === 'upload' ? 'sent' : 'received'} ${megabytes(view.transferredBytes)}${total}${resumed}`;
}
