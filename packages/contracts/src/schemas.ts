import { z } from 'zod';
import { ErrorCode } from './errors.js';

const codes = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export const ErrorCodeSchema = z.enum(codes);

export const ErrorInfoSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string().max(8192),
  details: z.record(z.string(), z.unknown()).optional(),
});
