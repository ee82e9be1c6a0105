export { emptyTally, extractArchive, packFolder, type ArchiveTally } from './archive.js';
export type { FsErrorMapper } from './fs-error.js';
export { isFilesystemRoot } from './paths.js';
export { openArtifactSource, type ArtifactSource, type ArtifactSourceOptions } from './source.js';
export { StagedArtifact, type StagingOptions } from './staging.js';
