import { PROTOCOL_VERSION, type ExecutorInfo } from '@remote-agent/contracts';

/** What a typical executor says about itself in its hello, for tests; `overrides` replace any field. */
export function executorInfoFixture(executorId: string, startedAt: number, overrides: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return {
    executorId,
    hostname: `${executorId}.example`,
    os: 'Linux',
    platform: 'linux',
    arch: 'x64',
    version: '1.0.0',
    protocolVersion: PROTOCOL_VERSION,
    tags: {},
    instruction: '',
    instructionUpdatedAt: null,
    bootId: `${executorId}-boot-1`,
    startedAt,
    shell: '/bin/sh',
    workDir: '/tmp',
    capabilities: ['run', 'instruction.set', 'output.read'],
    maxConcurrent: 4,
    running: 0,
    queued: 0,
    ...overrides,
  };
}
