/**
 * zod error messages for tool arguments: one for a missing field and one for a field of the wrong type,
 * both saying what to pass instead.
 */
export function requiredMessage(field: string, what: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? `${field} is required: ${what}` : `${field} must be a string: ${what}`);
}

/** For checks whose failure means the value has the wrong type, whatever the input. */
export function typeMessage(message: string): (issue: { code?: string }) => string | undefined {
  return (issue) => (issue.code === 'invalid_type' ? message : undefined);
}
