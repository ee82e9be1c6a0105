/**
 * DNS-rebinding protection for the local MCP endpoint: a web page the user opens can make the browser send
 * requests to 127.0.0.1, but with its own name in the Host header (after rebinding) or its own Origin.
 * Only names in DAEMON_MCP_ALLOWED_HOSTS pass. An entry without a port allows any port of that host; an
 * entry with a port (e.g. "devbox:8765") allows only that one.
 */
interface HostPattern {
  hostname: string;
  port: string | null;
}

interface HostAddress {
  hostname: string;
  port: string;
}

/** Bare IPv6 addresses ("::1") are written with brackets in URLs and Host headers. */
function bracketIpv6(host: string): string {
  return host.includes(':') && !host.startsWith('[') && host.indexOf(':') !== host.lastIndexOf(':') ? `[${host}]` : host;
}

function parseAuthority(authority: string, protocol: string): URL | null {
  if (authority === '' || /[\s/?#@\\]/.test(authority)) return null;
  try {
    return new URL(`${protocol}//${authority}`);
  } catch {
    return null;
  }
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

export class HostAllowList {
  private readonly patterns: HostPattern[];

  constructor(readonly entries: readonly string[]) {
    this.patterns = entries.flatMap((entry) => {
      const url = parseAuthority(bracketIpv6(entry.trim().toLowerCase()), 'http:');
      return url === null ? [] : [{ hostname: url.hostname, port: url.port === '' ? null : url.port }];
    });
  }

  private allows(address: HostAddress): boolean {
    return this.patterns.some((p) => p.hostname === address.hostname && (p.port === null || p.port === address.port));
  }

  /** The Host header of a request to this server (http). */
  allowsHost(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined) return false;
    const url = parseAuthority(hostHeader.trim(), 'http:');
    return url !== null && this.allows({ hostname: url.hostname, port: url.port || defaultPort('http:') });
  }

  /** An Origin header, e.g. "http://localhost:6274". "null" (sandboxed or file pages) never passes. */
  allowsOrigin(origin: string): boolean {
    let url: URL;
    try {
      url = new URL(origin.trim());
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return this.allows({ hostname: url.hostname, port: url.port || defaultPort(url.protocol) });
  }
}
