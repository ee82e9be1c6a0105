import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, RemoteAgentError, RunParamsSchema, type RunParams, type StreamName } from '@remote-agent/contracts';
import type { TimerHandle } from '@remote-agent/transport';
import { EXECUTOR_ID_VAR, REQUEST_ID_VAR } from '../leftovers.js';
import type { ProcessTreeKiller, SpawnFn } from '../process-tree.js';
import { shellInvocation, describeShell, type Shell } from '../shell.js';
import { abortOutcome, failedOutcome, type HandlerContext, type HandlerOutcome, type RequestHandler } from './handler.js';

export interface RunHandlerOptions {
  /** Set in every command's environment with its request id (see leftovers.ts). */
  executorId: string;
  shell: Shell;
  /** Environment every command starts from (the executor's own, minus its relay credentials). */
  baseEnv: Record<string, string>;
  platform: NodeJS.Platform;
  spawn: SpawnFn;
  killer: ProcessTreeKiller;
  /** Time between asking a cancelled tree to stop and forcing it. */
  killGraceMs: number;
  /**
   * How long to wait, after the command exited, for its output pipes to close. A background process
   * it started may hold them open forever; past this the run ends anyway.
   */
  pipeCloseGraceMs: number;
}

/**
 * `run`: a command line in the platform's shell, its output streamed and logged, its tree killed on cancel.
 * The command's environment also names the executor and the request (REMOTE_AGENT_EXECUTOR_ID,
 * REMOTE_AGENT_REQUEST_ID), over any variable of the request's own with those names.
 */
export function createRunHandler(opts: RunHandlerOptions): RequestHandler<RunParams> {
  return {
    kind: 'run',
    params: RunParamsSchema,
    usesSlot: true,
    timeoutMs: (params) => params.timeoutMs,
    handle: (params, ctx) => runCommand(opts, params, ctx),
  };
}

async function runCommand(opts: RunHandlerOptions, params: RunParams, ctx: HandlerContext): Promise<HandlerOutcome> {
  const cwd = resolve(ctx.workDir, params.cwd ?? '.');
  const cwdProblem = checkCwd(cwd);
  if (cwdProblem) return failedOutcome(cwdProblem);
  if (ctx.signal.aborted) return abortOutcome(ctx.signal);
  const invocation = shellInvocation(opts.shell, params.command);
  let child: ChildProcess;
  try {
    child = opts.spawn(invocation.file, invocation.args, {
      cwd,
      env: mergeEnv(opts.baseEnv, { ...params.env, [EXECUTOR_ID_VAR]: opts.executorId, [REQUEST_ID_VAR]: ctx.requestId }, opts.platform),
      detached: opts.killer.detached,
      windowsHide: true,
      windowsVerbatimArguments: invocation.windowsVerbatimArguments,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    return failedOutcome(spawnFailure(opts.shell, err));
  }
  return new Promise<HandlerOutcome>((done) => watchChild(opts, params, ctx, child, done));
}

function watchChild(
  opts: RunHandlerOptions,
  params: RunParams,
  ctx: HandlerContext,
  child: ChildProcess,
  done: (outcome: HandlerOutcome) => void,
): void {
  const pipes: Array<[StreamName, Readable]> = [
    ['stdout', child.stdout!],
    ['stderr', child.stderr!],
  ];
  let paused = false;
  let sentSignal: string | null = null;
  let pipeTimer: TimerHandle | null = null;
  let finished = false;

  const finish = (outcome: HandlerOutcome): void => {
    if (finished) return;
    finished = true;
    pipeTimer?.cancel();
    ctx.signal.removeEventListener('abort', onAbort);
    done(outcome);
  };

  const pauseUntilRoom = (): void => {
    if (paused) return;
    paused = true;
    for (const [, pipe] of pipes) pipe.pause();
    void ctx.output.waitForRoom().then(() => {
      paused = false;
      for (const [, pipe] of pipes) pipe.resume();
    });
  };

  for (const [name, pipe] of pipes) {
    pipe.on('data', (data: Buffer) => {
      if (!ctx.output.write(name, data)) pauseUntilRoom();
    });
    pipe.on('error', (err) => ctx.logger.debug('output pipe error', { stream: name, error: err }));
  }

  const onAbort = (): void => {
    const pid = child.pid;
    // Even after the shell itself exited, what it left running in its group is stopped too.
    if (pid === undefined) return;
    sentSignal = opts.killer.terminate(pid);
    ctx.logger.info('stopping process tree', { pid, reason: ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'cancelled' });
    // Descendants may outlive the shell or ignore SIGTERM; the group is forced down either way.
    ctx.clock.setTimeout(() => {
      sentSignal = opts.killer.kill(pid);
    }, opts.killGraceMs);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  const closePipesAfterGrace = (): void => {
    pipeTimer = ctx.clock.setTimeout(() => {
      if (paused) return closePipesAfterGrace();
      for (const [, pipe] of pipes) pipe.destroy();
    }, opts.pipeCloseGraceMs);
  };

  child.on('error', (err) => {
    if (child.pid === undefined) finish(failedOutcome(spawnFailure(opts.shell, err)));
    else ctx.logger.warn('process error', { error: err });
  });
  child.on('exit', closePipesAfterGrace);
  child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
    if (child.pid === undefined) return;
    if (ctx.signal.aborted) {
      finish(abortOutcome(ctx.signal, signal ?? sentSignal));
      return;
    }
    finish({ outcome: 'exited', ok: code === 0, exitCode: code, signal });
  });

  child.stdin!.on('error', (err) => ctx.logger.debug('stdin not fully written', { error: err }));
  if (params.stdin === undefined) child.stdin!.end();
  else child.stdin!.end(params.stdin);
}

function checkCwd(cwd: string): RemoteAgentError | null {
  try {
    if (statSync(cwd).isDirectory()) return null;
    return new RemoteAgentError(ErrorCode.NotDirectory, `cwd ${cwd} is not a folder: pass a folder to run the command in`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return new RemoteAgentError(ErrorCode.NotFound, `cwd ${cwd} does not exist on this executor: pass an existing folder`);
    }
    return new RemoteAgentError(
      ErrorCode.PermissionDenied,
      `cwd ${cwd} cannot be used (${code ?? 'error'}): pass a folder the executor's user can enter`,
    );
  }
}

function spawnFailure(shell: Shell, err: unknown): RemoteAgentError {
  const why = err instanceof Error ? err.message : String(err);
  return new RemoteAgentError(
    ErrorCode.SpawnFailed,
    `could not start the shell "${describeShell(shell)}": ${why}; check EXECUTOR_SHELL on the executor`,
  );
}

/** On Windows variable names are case-insensitive: a request's `Path` replaces the inherited `PATH`. */
export function mergeEnv(
  base: Record<string, string>,
  extra: Record<string, string>,
  platform: NodeJS.Platform,
): Record<string, string> {
  const env = { ...base };
  for (const [name, value] of Object.entries(extra)) {
    if (platform === 'win32') {
      for (const existing of Object.keys(env)) if (existing.toLowerCase() === name.toLowerCase()) delete env[existing];
    }
    env[name] = value;
  }
  return env;
}
