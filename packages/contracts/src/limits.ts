/** Azure Web PubSub refuses a frame over 1 MB; the built-in relay keeps the same bound. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Raw bytes of output or file data per chunk message: well under the frame limit even as base64 (x4/3). */
export const CHUNK_BYTES = 128 * 1024;

/**
 * Chunks a sender may have in flight before it needs fresh credit. 32 x 128 KiB = 4 MiB, a quarter of
 * the 16 MB the reliable protocol holds un-acknowledged per connection, leaving room for other traffic.
 */
export const DEFAULT_STREAM_WINDOW = 32;

export const MAX_COMMAND_BYTES = 64 * 1024;
export const MAX_STDIN_BYTES = 512 * 1024;
export const MAX_INSTRUCTION_CHARS = 8 * 1024;
export const MAX_ENV_VARS = 256;
