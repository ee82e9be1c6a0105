import { readFile, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import {
  ErrorCode,
  FS_DIFF_MAX_BYTES,
  FS_EDIT_MAX_FILE_BYTES,
  RemoteAgentError,
  type FsEditResult,
  type FsParamsInput,
} from '@remote-agent/contracts';
import { writeFileAtomic } from './atomic-write.js';
import type { FsContext } from './context.js';
import { applyReplacements } from './edit-apply.js';
import { fsError } from './errors.js';
import { sha256Hex } from './hash.js';
import { parseFsParams } from './params.js';
import { resolveFsPath } from './paths.js';
import { decodeText, detectEncoding, detectLineEnding, encodeText } from './text-codec.js';
import { unifiedDiff } from './unified-diff.js';

/**
 * fs.edit: exact-string replacements on the decoded text, written back in the file's own encoding,
 * BOM and mode, atomically. Returns a unified diff so the agent sees what it changed.
 */
export async function fsEdit(input: FsParamsInput<'fs.edit'>, ctx: FsContext): Promise<FsEditResult> {
  const params = parseFsParams('fs.edit', input);
  const requested = resolveFsPath(params.path, ctx.workDir);
  try {
    // Through a symlink the target is edited; writing the link's own path would replace the link.
    const file = await realpath(requested);
    const st = await stat(file);
    checkEditable(file, st);
    const before = await readFile(file, ctx.signal ? { signal: ctx.signal } : {});
    const previousSha256 = sha256Hex(before);
    if (params.expectedSha256 !== undefined && params.expectedSha256.toLowerCase() !== previousSha256) {
      throw new RemoteAgentError(
        ErrorCode.Conflict,
        `${file} changed since it was read (sha256 is now ${previousSha256}, expected ${params.expectedSha256.toLowerCase()}): read it again and redo your edits on the current content`,
        { path: file, sha256: previousSha256 },
      );
    }
    const format = detectEncoding(before, true);
    if (format.binary) {
      throw new RemoteAgentError(
        ErrorCode.BadRequest,
        `cannot edit ${file}: it is a binary file. Replace it with fs.write (contentEncoding "base64") instead`,
        { path: file },
      );
    }
    const oldText = decodeText(before, format.encoding, format.bom);
    const lineEnding = detectLineEnding(oldText);
    const { text: newText, count } = applyReplacements(oldText, params.edits, lineEnding, file);
    const after = newText === oldText ? before : encodeText(newText, format.encoding, format.bom);
    const written = newText !== oldText && !params.dryRun;
    if (written) await writeFileAtomic(file, after, { exclusive: false, mode: st.mode & 0o7777 });
    const diff = unifiedDiff(file, oldText, newText, FS_DIFF_MAX_BYTES);
    const result: FsEditResult = {
      path: file,
      replacements: count,
      previousSha256,
      sha256: sha256Hex(after),
      size: after.length,
      encoding: format.encoding,
      lineEnding: detectLineEnding(newText),
      diff: diff.diff,
      diffTruncated: diff.truncated,
      written,
    };
    if (diff.notice !== undefined) result.notice = diff.notice;
    return result;
  } catch (err) {
    throw fsError(err, 'edit', requested);
  }
}

function checkEditable(file: string, st: Stats): void {
  if (st.isDirectory()) {
    throw new RemoteAgentError(ErrorCode.IsDirectory, `cannot edit ${file}: it is a folder, not a file`, { path: file });
  }
  if (!st.isFile()) {
    throw new RemoteAgentError(ErrorCode.BadRequest, `cannot edit ${file}: it is not a regular file (a device, socket or FIFO)`, { path: file });
  }
  if (st.size > FS_EDIT_MAX_FILE_BYTES) {
    throw new RemoteAgentError(
      ErrorCode.TooLarge,
      `cannot edit ${file}: it is ${st.size} bytes, over the ${FS_EDIT_MAX_FILE_BYTES}-byte limit for edits. Change it with a command (sed, PowerShell) or rewrite it with fs.write`,
      { path: file, size: st.size },
    );
  }
}
