import { lstat, mkdir, open, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import {
  ErrorCode,
  FS_WRITE_MAX_BYTES,
  RemoteAgentError,
  type FsParamsInput,
  type FsTextEncoding,
  type FsWriteParams,
  type FsWriteResult,
} from '@remote-agent/contracts';
import { writeFileAtomic } from './atomic-write.js';
import type { FsContext } from './context.js';
import { errnoCode, fsError } from './errors.js';
import { modeString } from './file-info.js';
import { sha256Hex, sha256OfFile } from './hash.js';
import { parseFsParams } from './params.js';
import { resolveFsPath } from './paths.js';
import { checkExpectedSha256, sniffTextFormat } from './existing-file.js';
import { encodeText, type TextDetection } from './text-codec.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * fs.write: create, overwrite or append, text or base64. Text is written in the existing file's
 * encoding and BOM unless told otherwise, so a read-change-write round trip keeps the file's form.
 */
export async function fsWrite(input: FsParamsInput<'fs.write'>, ctx: FsContext): Promise<FsWriteResult> {
  const params = parseFsParams('fs.write', input);
  const requested = resolveFsPath(params.path, ctx.workDir);
  const bytesIn = contentBytes(params);
  try {
    if (params.createDirs) await mkdir(path.dirname(requested), { recursive: true });
    const file = await followLink(requested);
    const existing = await statIfExists(file);
    checkTarget(file, existing, params);
    if (params.expectedSha256 !== undefined) await checkExpectedSha256(file, existing, params.expectedSha256, ctx.signal);
    const { data, encoding } = await encodeContent(params, bytesIn, file, existing);
    const atomic = params.mode === 'append' ? await append(file, data, params) : await replace(file, data, existing, params);
    const after = await stat(file);
    const result: FsWriteResult = {
      path: file,
      created: existing === null,
      bytesWritten: data.length,
      size: after.size,
      sha256: params.mode === 'append' ? await sha256OfFile(file, ctx.signal) : sha256Hex(data),
      mode: modeString(after.mode),
      atomic,
    };
    if (encoding !== undefined) result.encoding = encoding;
    return result;
  } catch (err) {
    throw await explainWriteError(err, requested, params);
  }
}

function contentBytes(params: FsWriteParams): Buffer | null {
  if (params.contentEncoding === 'text') {
    if (Buffer.byteLength(params.content, 'utf8') > FS_WRITE_MAX_BYTES) throw tooLarge();
    return null;
  }
  if (params.encoding !== undefined || params.bom !== undefined) {
    throw new RemoteAgentError(ErrorCode.BadRequest, 'encoding and bom apply to text content only; base64 content is written as the exact bytes given');
  }
  const compact = params.content.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new RemoteAgentError(ErrorCode.BadRequest, 'content is not valid base64 (A-Z, a-z, 0-9, +, /, "=" padding): encode the bytes again, or pass contentEncoding "text"');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > FS_WRITE_MAX_BYTES) throw tooLarge();
  return bytes;
}

function tooLarge(): RemoteAgentError {
  return new RemoteAgentError(
    ErrorCode.TooLarge,
    `content is over ${FS_WRITE_MAX_BYTES} bytes: write the first part, then add the rest with mode "append" in parts of at most that size, or use artifact.upload`,
  );
}

const MAX_LINK_HOPS = 40;

/** Writing through a symlink changes the file it points to; replacing the link itself would surprise. */
async function followLink(file: string): Promise<string> {
  let current = file;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    let st: Stats;
    try {
      st = await lstat(current);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return current;
      throw err;
    }
    if (!st.isSymbolicLink()) return current;
    current = path.resolve(path.dirname(current), await readlink(current));
  }
  throw Object.assign(new Error(`too many symbolic links from ${file}`), { code: 'ELOOP' });
}

async function statIfExists(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

function checkTarget(file: string, existing: Stats | null, params: FsWriteParams): void {
  if (existing === null) return;
  if (existing.isDirectory()) {
    throw new RemoteAgentError(ErrorCode.IsDirectory, `cannot write ${file}: it is a folder. Give the path of a file inside it`, { path: file });
  }
  if (!existing.isFile()) {
    throw new RemoteAgentError(ErrorCode.BadRequest, `cannot write ${file}: it is not a regular file (a device, socket or FIFO)`, { path: file });
  }
  if (params.mode === 'create') {
    throw new RemoteAgentError(
      ErrorCode.AlreadyExists,
      `cannot create ${file}: it already exists. Pass mode "overwrite" (with expectedSha256 from your last fs.read) to replace it, or "append"`,
      { path: file },
    );
  }
}

async function encodeContent(
  params: FsWriteParams,
  bytes: Buffer | null,
  file: string,
  existing: Stats | null,
): Promise<{ data: Buffer; encoding: FsTextEncoding | undefined }> {
  if (bytes !== null) return { data: bytes, encoding: undefined };
  const hasContent = existing !== null && existing.size > 0;
  const found: TextDetection | null = hasContent ? await sniffTextFormat(file) : null;
  const foundText = found !== null && !found.binary ? found : null;
  const encoding = params.encoding ?? foundText?.encoding ?? 'utf8';
  let bom: boolean;
  if (params.mode === 'append' && hasContent) bom = false;
  else if (params.bom !== undefined) bom = params.bom;
  else if (foundText !== null && foundText.encoding === encoding) bom = foundText.bom;
  else bom = encoding === 'utf16le' || encoding === 'utf16be';
  return { data: encodeText(params.content, encoding, bom), encoding };
}

function newFileMode(params: FsWriteParams): number | undefined {
  return params.fileMode === undefined ? undefined : Number.parseInt(params.fileMode, 8);
}

async function append(file: string, data: Buffer, params: FsWriteParams): Promise<boolean> {
  const handle = await open(file, 'a', newFileMode(params) ?? 0o666);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
  return false;
}

async function replace(file: string, data: Buffer, existing: Stats | null, params: FsWriteParams): Promise<boolean> {
  const mode = existing !== null ? existing.mode & 0o7777 : newFileMode(params);
  const { atomic } = await writeFileAtomic(file, data, { exclusive: params.mode === 'create', ...(mode !== undefined ? { mode } : {}) });
  return atomic;
}

async function explainWriteError(err: unknown, file: string, params: FsWriteParams): Promise<RemoteAgentError> {
  if (errnoCode(err) === 'ENOENT' && !params.createDirs) {
    const folder = path.dirname(file);
    if ((await statIfExists(folder).catch(() => null)) === null) {
      return new RemoteAgentError(
        ErrorCode.NotFound,
        `cannot write ${file}: its folder ${folder} does not exist. Pass createDirs: true to create it, or check the path`,
        { path: file },
      );
    }
  }
  if (errnoCode(err) === 'EEXIST' && params.mode === 'create') {
    return new RemoteAgentError(ErrorCode.AlreadyExists, `cannot create ${file}: it already exists. Pass mode "overwrite" to replace it`, { path: file });
  }
  return fsError(err, 'write', file);
}
