import { ToolNames, type RequestReport } from '@remote-agent/contracts';
import type { RequestView } from '../core-api.js';
import type { ToolNamer } from './tool.js';

/** What an agent should do next with a request, or undefined when there is nothing to add. */
export function nextStep(view: RequestView, name: ToolNamer): string | undefined {
  const status = name(ToolNames.remoteRequestStatus);
  if (view.state !== 'completed') {
    return (
      `Not finished yet (${view.state}). Call ${status} with requestId "${view.requestId}" for its output and ` +
      `result, or ${name(ToolNames.remoteCancel)} to stop it.`
    );
  }
  if (view.truncated) {
    return (
      `The output is longer than the daemon keeps (stdout ${view.stdoutBytes} bytes, stderr ${view.stderrBytes} bytes). ` +
      `Page through it with ${status}: requestId "${view.requestId}", stream, and offset/length or tailLines.`
    );
  }
  return undefined;
}

export function toRequestReport(view: RequestView, name: ToolNamer): RequestReport {
  const report: RequestReport = {
    requestId: view.requestId,
    executorId: view.executorId,
    kind: view.kind,
    status: view.state,
    outcome: view.outcome,
    ok: view.ok,
    exitCode: view.exitCode,
    signal: view.signal,
    stdout: view.stdout,
    stderr: view.stderr,
    truncated: view.truncated,
    stdoutBytes: view.stdoutBytes,
    stderrBytes: view.stderrBytes,
    durationMs: view.durationMs,
    createdAt: view.createdAt,
    startedAt: view.startedAt,
    completedAt: view.completedAt,
  };
  if (view.error !== undefined) report.error = view.error;
  if (view.result !== undefined) report.result = view.result;
  const hint = nextStep(view, name);
  if (hint !== undefined) report.hint = hint;
  return report;
}

/** One line an agent reads before the JSON. */
export function summarizeReport(report: RequestReport): string {
  if (report.status !== 'completed') return `request ${report.requestId} on ${report.executorId}: ${report.status}`;
  const how =
    report.outcome === 'exited'
      ? `exited with code ${report.exitCode}`
      : report.signal !== null
        ? `${report.outcome} (${report.signal})`
        : (report.outcome ?? 'completed');
  const why = report.error !== undefined ? `: ${report.error.message}` : '';
  return `request ${report.requestId} on ${report.executorId}: ${how}, ok=${report.ok}${why}`;
}
