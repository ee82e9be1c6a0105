/**
 * JSON text of a message, as JSON.stringify writes it but cheap for the two bulk messages: command output
 * in base64 (`request.output`) and byte-stream chunks (`request.data`, always base64). On Node 22
 * JSON.stringify escapes a long string at about 250 MB/s, which capped streaming; base64 needs no escaping,
 * so the chunk is spliced in as it is.
 */
export function toJsonText(value: unknown): string {
  const bulk = bulkBase64(value);
  if (bulk === null) return JSON.stringify(value);
  const { body, ...head } = bulk.message;
  const { data: _spliced, ...rest } = body;
  // The placeholder is the last member of the last object, so the text ends with `"data":""}}`.
  const text = JSON.stringify({ ...head, body: { ...rest, data: '' } });
  return `${text.slice(0, -4)}"${bulk.data}"}}`;
}

interface BulkMessage {
  message: { body: Record<string, unknown> } & Record<string, unknown>;
  data: string;
}

function bulkBase64(value: unknown): BulkMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const message = value as { type?: unknown; body?: unknown };
  if (message.type !== 'request.output' && message.type !== 'request.data') return null;
  const body = message.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { data, encoding } = body as { data?: unknown; encoding?: unknown };
  if (typeof data !== 'string') return null;
  if (message.type === 'request.output' && encoding !== 'base64') return null;
  return { message: message as BulkMessage['message'], data };
}
