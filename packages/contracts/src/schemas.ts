import { z } from 'zod';
import { ErrorCode } from './errors.js';

const codes = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export const ErrorCodeSchema = z.enum(codes);

export const ErrorInfoSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string().max(8192),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Raw bytes inside a message (output and file chunks); they cross the relay unencoded (see wire-form.ts),
 * and a receiver gets them as a Buffer over the received frame.
 */
export function bytesSchema(maxBytes: number) {
  return z
    .custom<Buffer>((value) => Buffer.isBuffer(value), 'expected bytes')
    .refine((bytes) => bytes.length <= maxBytes, `at most ${maxBytes} bytes per chunk`);
}
