import { z } from 'zod';

export const TagsSchema = z.record(z.string().min(1).max(64), z.string().max(256));
export type Tags = z.infer<typeof TagsSchema>;

/** What an executor says about itself; kept by every daemon's inventory. */
export const ExecutorInfoSchema = z.object({
  executorId: z.string().min(1).max(63),
  hostname: z.string().max(256),
  os: z.string().max(64),
  platform: z.string().max(64),
  arch: z.string().max(64),
  version: z.string().max(64),
  protocolVersion: z.number().int(),
  tags: TagsSchema,
  instruction: z.string(),
  instructionUpdatedAt: z.number().int().nullable(),
  /** Changes on every process start, so a daemon can tell a restart from a reconnect. */
  bootId: z.string().min(1).max(64),
  startedAt: z.number().int(),
  shell: z.string().max(256),
  workDir: z.string().max(4096),
  /** Request kinds this executor handles, e.g. "run", "fs.read". */
  capabilities: z.array(z.string().max(64)).max(128),
  maxConcurrent: z.number().int().positive(),
  running: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
});
export type ExecutorInfo = z.infer<typeof ExecutorInfoSchema>;

export const DiscoveryProbeBody = z.object({ daemonId: z.string().min(1).max(63) });

export const ExecutorHelloBody = z.object({
  reason: z.enum(['startup', 'probe', 'reconnect', 'changed']),
  info: ExecutorInfoSchema,
});

export const ExecutorHeartbeatBody = z.object({
  executorId: z.string().min(1).max(63),
  bootId: z.string().min(1).max(64),
  running: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
  /** Lets a daemon that missed a hello (or an instruction change) ask for it again. */
  instructionUpdatedAt: z.number().int().nullable(),
});

export const ExecutorGoodbyeBody = z.object({
  executorId: z.string().min(1).max(63),
  bootId: z.string().min(1).max(64),
  reason: z.string().max(256),
});
