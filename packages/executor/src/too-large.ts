import { ErrorCode, type RequestResult } from '@remote-agent/contracts';

/**
 * `result` without its (too large) payload, turned into a TOO_LARGE failure that says why. The callers
 * differ in what they measure against which bound: one relay message (the dispatcher) or what the journal
 * keeps for replay.
 */
export function failedAsTooLarge(result: RequestResult, message: string): RequestResult {
  const { result: _tooLarge, ...rest } = result;
  return { ...rest, outcome: 'failed', ok: false, error: { code: ErrorCode.TooLarge, message } };
}
