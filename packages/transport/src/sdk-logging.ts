import { format } from 'node:util';
import { redact, type Logger } from './logger.js';

/**
 * The Azure SDKs log through one process-wide sink, silent unless AZURE_LOG_LEVEL is set. When it is set,
 * their lines (which can carry URLs with tokens) go through our redacting logger at debug level instead of
 * straight to stderr. The sink is the SDK's own global, so the most recent logger given here receives them.
 */
export async function routeAzureSdkLogs(logger: Logger): Promise<void> {
  const { AzureLogger } = await import('@azure/logger');
  const sdkLogger = logger.child({ source: 'azure-sdk' });
  AzureLogger.log = (...args: unknown[]) => sdkLogger.debug(redact(format(...args)));
}
