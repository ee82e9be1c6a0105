/**
 * MCP tool names. The canonical names are the seed's dotted ones; several clients (Claude Desktop, Copilot CLI,
 * Cursor) refuse any name outside TOOL_NAME_PATTERN, so every tool also has an underscore alias. Which of the two
 * is advertised is the daemon's choice (DAEMON_MCP_TOOL_NAMES); a call by either name works.
 */
export const ToolNames = {
  executorsList: 'executors.list',
  executorsGet: 'executors.get',
  executorsFind: 'executors.find',
  executorInstructionSet: 'executor.instruction.set',
  remoteRun: 'remote.run',
  remoteCancel: 'remote.cancel',
  remoteRequestStatus: 'remote.request_status',
  fsList: 'fs.list',
  fsStat: 'fs.stat',
  fsRead: 'fs.read',
  fsWrite: 'fs.write',
  fsEdit: 'fs.edit',
  fsSearch: 'fs.search',
  fsMkdir: 'fs.mkdir',
  fsMove: 'fs.move',
  fsRemove: 'fs.remove',
  artifactUpload: 'artifact.upload',
  artifactDownload: 'artifact.download',
  artifactStatus: 'artifact.status',
} as const;

export type ToolName = (typeof ToolNames)[keyof typeof ToolNames];

/** Canonical dotted name -> underscore alias. */
export const TOOL_ALIASES: Readonly<Record<ToolName, string>> = {
  'executors.list': 'executors_list',
  'executors.get': 'executors_get',
  'executors.find': 'executors_find',
  'executor.instruction.set': 'executor_instruction_set',
  'remote.run': 'remote_run',
  'remote.cancel': 'remote_cancel',
  'remote.request_status': 'remote_request_status',
  'fs.list': 'fs_list',
  'fs.stat': 'fs_stat',
  'fs.read': 'fs_read',
  'fs.write': 'fs_write',
  'fs.edit': 'fs_edit',
  'fs.search': 'fs_search',
  'fs.mkdir': 'fs_mkdir',
  'fs.move': 'fs_move',
  'fs.remove': 'fs_remove',
  'artifact.upload': 'artifact_upload',
  'artifact.download': 'artifact_download',
  'artifact.status': 'artifact_status',
};

/** The names every MCP client accepts. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export type ToolNaming = 'underscore' | 'dotted';
export const TOOL_NAMINGS: readonly ToolNaming[] = ['underscore', 'dotted'];

/**
 * The underscore alias of a canonical name. Tool families added later need no entry in TOOL_ALIASES when their
 * alias is simply the dotted name with underscores.
 */
export function toolAlias(canonical: string): string {
  return (TOOL_ALIASES as Readonly<Record<string, string>>)[canonical] ?? canonical.replace(/\./g, '_');
}

/** The name a tool is advertised under in a naming mode. */
export function advertisedToolName(canonical: string, naming: ToolNaming): string {
  return naming === 'dotted' ? canonical : toolAlias(canonical);
}
