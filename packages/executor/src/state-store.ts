import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ErrorCode, MAX_INSTRUCTION_CHARS, RemoteAgentError } from '@remote-agent/contracts';
import type { Logger } from '@remote-agent/transport';
import { writeFileAtomicSync } from './atomic-file.js';

export interface Instruction {
  instruction: string;
  /** Null until an instruction was ever set. */
  updatedAt: number | null;
}

const InstructionFile = z.object({ instruction: z.string().max(MAX_INSTRUCTION_CHARS), updatedAt: z.number().int() });

/**
 * The executor's own persistent state, kept in its state folder so that it survives restarts and every
 * daemon sees the same: for now the instruction (free text on what this machine is for).
 */
export class StateStore {
  private current: Instruction;
  private readonly file: string;

  constructor(
    readonly stateDir: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = join(stateDir, 'instruction.json');
    this.current = this.load();
  }

  instruction(): Instruction {
    return this.current;
  }

  setInstruction(instruction: string, now: number): Instruction {
    if (instruction.length > MAX_INSTRUCTION_CHARS) {
      throw new RemoteAgentError(
        ErrorCode.BadRequest,
        `instruction is ${instruction.length} characters; the limit is ${MAX_INSTRUCTION_CHARS}: shorten it`,
      );
    }
    const next: Instruction = { instruction, updatedAt: now };
    writeFileAtomicSync(this.file, JSON.stringify(next) + '\n');
    this.current = next;
    return next;
  }

  private load(): Instruction {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { instruction: '', updatedAt: null };
      throw new RemoteAgentError(
        ErrorCode.InvalidConfig,
        `cannot read ${this.file}: ${(err as Error).message}; check EXECUTOR_STATE_DIR and its permissions`,
      );
    }
    try {
      const parsed = InstructionFile.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // Falls through to the warning below: a damaged file must not keep the executor from starting.
    }
    this.logger.warn('instruction file is damaged; starting with an empty instruction', { file: this.file });
    return { instruction: '', updatedAt: null };
  }
}
