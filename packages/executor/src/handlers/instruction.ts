import { ErrorCode, InstructionSetParamsSchema, RemoteAgentError } from '@remote-agent/contracts';
import type { z } from 'zod';
import type { StateStore } from '../state-store.js';
import type { RequestHandler } from './handler.js';

type InstructionSetParams = z.infer<typeof InstructionSetParamsSchema>;

export interface InstructionHandlerOptions {
  store: StateStore;
  /** Re-announces the executor so every daemon sees the new instruction. */
  onChanged: () => void;
}

/** `instruction.set`: replaces the free-text note on what this machine is for. */
export function createInstructionHandler(opts: InstructionHandlerOptions): RequestHandler<InstructionSetParams> {
  return {
    kind: 'instruction.set',
    params: InstructionSetParamsSchema,
    usesSlot: false,
    async handle(params, ctx) {
      let saved;
      try {
        saved = opts.store.setInstruction(params.instruction, ctx.clock.now());
      } catch (err) {
        if (err instanceof RemoteAgentError) throw err;
        throw new RemoteAgentError(
          ErrorCode.Internal,
          `could not save the instruction in ${opts.store.stateDir}: ${(err as Error).message}; check that folder's free space and permissions`,
        );
      }
      opts.onChanged();
      return {
        outcome: 'done',
        ok: true,
        result: { instruction: saved.instruction, instructionUpdatedAt: saved.updatedAt },
      };
    },
  };
}
