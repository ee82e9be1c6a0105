import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { localFsError } from './local-errors.js';

/** True when `candidate` is `ancestor` or lies inside it (case-insensitively on Windows). */
function isInside(candidate: string, ancestor: string): boolean {
  const rel = path.relative(ancestor, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** A daemon-side path checked against the roots: `path` as asked (absolute), `real` with every link resolved. */
export interface RootedPath {
  path: string;
  real: string;
  root: string;
}

/**
 * The folders (DAEMON_ARTIFACT_ROOTS) that artifacts are read from and written to on the daemon's machine.
 * A path must lie inside one of them both as written and after resolving links, so neither ".." nor a
 * symbolic link leads out of a root. Relative paths start at the first root.
 */
export class ArtifactRoots {
  readonly roots: readonly string[];
  private created: Promise<void> | null = null;

  constructor(roots: readonly string[]) {
    this.roots = roots.map((root) => path.resolve(root));
  }

  /** An existing file or folder to read. */
  async forReading(input: string): Promise<RootedPath> {
    const { abs, root, realRoot } = await this.locate(input);
    const real = await realpath(abs).catch((err: unknown) => {
      throw localFsError(err, 'read', abs);
    });
    if (!isInside(real, realRoot)) throw this.escapes(abs, real);
    return { path: abs, real, root };
  }

  /** A destination to create or replace: its nearest existing folder must resolve inside the root, and it may not be a link. */
  async forWriting(input: string): Promise<RootedPath> {
    const { abs, root, realRoot } = await this.locate(input);
    if (abs === root) {
      throw new RemoteAgentError(ErrorCode.BadRequest, `${abs} is an artifact root itself: give the full path of a file or folder inside it`);
    }
    const existing = await lstat(abs).catch(() => null);
    if (existing?.isSymbolicLink()) {
      throw new RemoteAgentError(
        ErrorCode.Forbidden,
        `${abs} is a symbolic link; artifacts are never written through links: remove it or choose another path`,
        { path: abs },
      );
    }
    let ancestor = path.dirname(abs);
    let realAncestor: string | null = null;
    while (realAncestor === null) {
      realAncestor = await realpath(ancestor).catch(() => null);
      if (realAncestor === null) ancestor = path.dirname(ancestor);
    }
    if (!isInside(realAncestor, realRoot)) throw this.escapes(abs, realAncestor);
    const real = path.join(realAncestor, path.relative(ancestor, abs));
    return { path: abs, real, root };
  }

  describe(): string {
    return this.roots.join(', ');
  }

  private async locate(input: string): Promise<{ abs: string; root: string; realRoot: string }> {
    const first = this.roots[0];
    if (first === undefined) {
      throw new RemoteAgentError(ErrorCode.InvalidConfig, 'this daemon has no artifact roots: set DAEMON_ARTIFACT_ROOTS to the folders artifacts may use');
    }
    const abs = path.isAbsolute(input) ? path.resolve(input) : path.resolve(first, input);
    const root = this.roots.find((r) => isInside(abs, r));
    if (root === undefined) {
      throw new RemoteAgentError(
        ErrorCode.Forbidden,
        `${abs} is outside the artifact roots (${this.describe()}): use a path inside one of them, or add a folder to DAEMON_ARTIFACT_ROOTS`,
        { path: abs, roots: [...this.roots] },
      );
    }
    await this.ensureRoots();
    const realRoot = await realpath(root).catch((err: unknown) => {
      throw localFsError(err, 'use the artifact root', root);
    });
    return { abs, root, realRoot };
  }

  /** Roots are created on first use, so the default one in the state folder needs no setup. */
  private ensureRoots(): Promise<void> {
    this.created ??= Promise.all(this.roots.map((root) => mkdir(root, { recursive: true }))).then(
      () => undefined,
      (err: unknown) => {
        this.created = null;
        throw localFsError(err, 'create the artifact roots', this.describe());
      },
    );
    return this.created;
  }

  private escapes(abs: string, real: string): RemoteAgentError {
    return new RemoteAgentError(
      ErrorCode.Forbidden,
      `${abs} leads to ${real}, outside the artifact roots (${this.describe()}), through a symbolic link: use a path whose folders are not links out of a root`,
      { path: abs },
    );
  }
}
