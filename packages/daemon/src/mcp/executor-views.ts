import { INSTRUCTION_PREVIEW_CHARS, type ExecutorSummary } from '@remote-agent/contracts';
import type { ExecutorView } from '../core-api.js';

export function toExecutorSummary(view: ExecutorView): ExecutorSummary {
  const preview =
    view.instruction.length > INSTRUCTION_PREVIEW_CHARS
      ? `${view.instruction.slice(0, INSTRUCTION_PREVIEW_CHARS - 1)}…`
      : view.instruction;
  return {
    executorId: view.executorId,
    status: view.status,
    hostname: view.hostname,
    os: view.os,
    platform: view.platform,
    arch: view.arch,
    version: view.version,
    tags: view.tags,
    instructionPreview: preview,
    running: view.running,
    queued: view.queued,
    maxConcurrent: view.maxConcurrent,
    lastSeenAt: view.lastSeenAt,
  };
}

/** Stable order for agents and tests: by id. */
export function byExecutorId(a: ExecutorView, b: ExecutorView): number {
  return a.executorId < b.executorId ? -1 : a.executorId > b.executorId ? 1 : 0;
}
