import { createWebPubSubConnection, type Logger, type RelayAccess, type RelayConnection, type RelaySubprotocol } from '@remote-agent/transport';
import type { DaemonConfig } from '../config.js';
import { createDaemonCore, type LocalDaemonCore } from '../core.js';
import { startEmbeddedRelay, type EmbeddedRelay, type StartRelay } from '../embedded-relay.js';
import { formatExecutorCommand } from '../executor-command.js';
import { SqliteRequestJournal } from '../requests/journal.js';
import { ensureStateDir, loadOrCreateDaemonId } from '../state-dir.js';

export type ConnectRelay = (access: RelayAccess, userId: string, logger: Logger) => RelayConnection;

export interface RuntimeOptions {
  config: DaemonConfig;
  logger: Logger;
  /** Where the executor command banner goes, or null for none (the stdio server, or no terminal). */
  banner: { write(text: string): unknown } | null;
  connect?: ConnectRelay;
  startRelay?: StartRelay;
}

export interface DaemonRuntime {
  readonly core: LocalDaemonCore;
  readonly relay: EmbeddedRelay | null;
  close(): Promise<void>;
}

function connectWith(protocol: RelaySubprotocol): ConnectRelay {
  return (access, userId, logger) => createWebPubSubConnection({ access, userId, role: 'daemon', logger, protocol });
}

/**
 * What the MCP entry points run behind the MCP server: the embedded relay when no relay is configured, the
 * relay connection, the daemon core and its request journal (`<stateDir>/requests.db`). The executor
 * command (it holds the relay key) goes only to `banner`.
 */
export async function startDaemonRuntime(options: RuntimeOptions): Promise<DaemonRuntime> {
  const { config, logger } = options;
  await ensureStateDir(config.stateDir);
  const daemonId = config.daemonId ?? (await loadOrCreateDaemonId(config.stateDir));
  const journal = await SqliteRequestJournal.open(config.stateDir, config.requests.retain);
  let relay: EmbeddedRelay | null = null;
  try {
    let access = config.relay;
    if (access === null) {
      relay = await startEmbeddedRelay({
        config: config.embeddedRelay,
        hub: config.hub,
        stateDir: config.stateDir,
        logger,
        ...(options.startRelay ? { start: options.startRelay } : {}),
      });
      access = relay.access;
      options.banner?.write(
        `\n${formatExecutorCommand({ WEB_PUBSUB_CONNECTION_STRING: relay.connectionString, WEB_PUBSUB_HUB: relay.hub })}\n`,
      );
    }
    const connection = (options.connect ?? connectWith(config.relayProtocol))(access, daemonId, logger.child({ component: 'transport' }));
    const core = await createDaemonCore({
      daemonId,
      connection,
      registry: config.registry,
      requests: config.requests,
      artifactRoots: config.artifactRoots,
      journal,
      logger,
    });
    logger.info('daemon started', { daemonId, relay: relay === null ? access.mode : 'embedded' });
    const embedded = relay;
    return {
      core,
      relay: embedded,
      async close() {
        await core.close();
        await embedded?.close();
        journal.close();
      },
    };
  } catch (err) {
    await relay?.close();
    journal.close();
    throw err;
  }
}
