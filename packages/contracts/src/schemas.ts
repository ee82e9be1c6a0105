import { z } from 'zod';
import { ErrorCode } from './errors.js';

const codes = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export const ErrorCodeSchema = z.enum(codes);

export const ErrorInfoSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string().max(8192),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** Raw bytes inside a message (output and file chunks); they cross the relay unencoded (see wire-form.ts). */
export function bytesSchema(maxBytes: number) {
  return z
    .custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected bytes')
    .refine((bytes) => bytes.length <= maxBytes, `at most ${maxBytes} bytes per chunk`);
}
