// A quick look at the servers of a connect string before a one-shot command waits for a session.
import { connect as tcpConnect } from 'node:net';
import { parseConnect } from './connect-string.js';

/**
 * Resolves `refused` (with the servers' errors) when every server of `connect` refuses or fails a TCP connection,
 * `listening` as soon as one accepts, `silent` when none has answered either way within `timeoutMs`.
 */
export function probeServers(
  connect: string,
  timeoutMs = 1000
): Promise<{ kind: 'listening' | 'silent' } | { kind: 'refused'; errors: string[] }> {
  const { servers } = parseConnect(connect);
  return new Promise((resolve) => {
    const errors: string[] = [];
    const sockets = servers.map(({ host, port }) => {
      const s = tcpConnect({ host, port });
      s.once('connect', () => done({ kind: 'listening' }));
      s.once('error', (err: NodeJS.ErrnoException) => {
        errors.push(`${host}:${port} ${err.code ?? err.message}`);
        if (errors.length === servers.length) done({ kind: 'refused', errors });
      });
      return s;
    });
    const timer = setTimeout(() => done({ kind: 'silent' }), timeoutMs);
    function done(r: { kind: 'listening' | 'silent' } | { kind: 'refused'; errors: string[] }) {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      resolve(r);
    }
  });
}
