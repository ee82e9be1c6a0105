import { PROTOCOL_VERSION, type ExecutorInfo, type Tags } from '@remote-agent/contracts';
import type { Instruction } from './state-store.js';

/** What does not change while the process runs. */
export interface ExecutorIdentity {
  executorId: string;
  hostname: string;
  os: string;
  platform: string;
  arch: string;
  version: string;
  tags: Tags;
  /** New on every start, so a daemon can tell a restart (requests lost) from a reconnect. */
  bootId: string;
  startedAt: number;
  shell: string;
  workDir: string;
  capabilities: string[];
  maxConcurrent: number;
}

export function describeExecutor(
  identity: ExecutorIdentity,
  instruction: Instruction,
  load: { running: number; queued: number },
): ExecutorInfo {
  return {
    ...identity,
    protocolVersion: PROTOCOL_VERSION,
    instruction: instruction.instruction,
    instructionUpdatedAt: instruction.updatedAt,
    running: load.running,
    queued: load.queued,
  };
}
