// Opening a session for the supervisor: the options from the config, and retries while nothing answers.
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { backoffDelay } from '../util/backoff.js';
import { pause } from '../util/abort.js';
import { Zk, type ZkOptions } from '../zk/client.js';
import { probeServers } from '../zk/probe.js';
import { readTlsFiles, type ZkTlsOptions } from '../zk/tls.js';

/** `zookeeper.tls` as client options (files read now); undefined without TLS. Throws TlsFileError. */
export function tlsOptions(config: Config): ZkTlsOptions | undefined {
  const tls = config.zookeeper.tls;
  if (tls === false) return undefined;
  return readTlsFiles(tls === true ? { rejectUnauthorized: true } : tls);
}

/**
 * The client options `config` asks for (the digest credential, if any, is presented on connect; TLS failures
 * are logged once per server until it succeeds).
 */
export function zkOptions(config: Config, digest: string | undefined, signal?: AbortSignal, log?: Logger): ZkOptions {
  const zkc = config.zookeeper;
  return {
    connect: zkc.connect,
    sessionTimeoutMs: zkc.sessionTimeout,
    connectTimeoutMs: zkc.connectTimeout,
    digestAuth: digest,
    tls: tlsOptions(config),
    onTlsFailure: (server, reason) => log?.warn('zookeeper TLS connection failed', { server, reason }),
    // A server that accepts and never answers: said after 2 s, not only when the connect timeout is over.
    onSlow: (waitedMs, timeoutMs) =>
      log?.warn('no zookeeper server has answered yet', { connect: zkc.connect, waitedMs, givesUpAfterMs: timeoutMs }),
    onTampered: (path) =>
      log?.error('another client changed the ACL of a node we had just created: deleted, creating it again', {
        path,
        why: 'tampering: this zookeeper binding creates open, then narrows; rebuild it (scripts/patch-zookeeper.mjs)',
      }),
    signal,
  };
}

/**
 * Connects, retrying with backoff while no server answers. A refused port is seen at once (a TCP probe before
 * each attempt) instead of after the connect timeout. Logged when the reason changes, with the next retry's
 * delay; each wait is a `backoff` state. Resolves undefined when `signal` aborts first; rejects when the client
 * library cannot be used at all.
 */
export async function connectWithRetry(
  config: Config,
  digest: string | undefined,
  log: Logger,
  report: (e: { type: 'unreachable' | 'redial' }) => void,
  signal: AbortSignal
): Promise<Zk | undefined> {
  Zk.checkClientLibrary(); // before a probe could hide it behind a refused port
  let said = '';
  for (let attempt = 0; !signal.aborted; attempt++) {
    let error: string;
    const probe = await probeServers(config.zookeeper.connect, 1000);
    if (probe.kind === 'refused') error = probe.errors.join(', ');
    else {
      try {
        return await Zk.connect(zkOptions(config, digest, signal, log));
      } catch (err) {
        if (signal.aborted) return undefined;
        if ((err as { code?: string }).code === 'CLIENT_UNAVAILABLE') throw err; // retrying cannot help
        error = (err as Error).message;
      }
    }
    const retryInMs = backoffDelay(attempt, { baseMs: 500, maxMs: 10_000 });
    if (error !== said)
      log.warn('zookeeper unreachable, retrying', { connect: config.zookeeper.connect, error, retryInMs });
    said = error;
    report({ type: 'unreachable' });
    if (!(await pause(retryInMs, signal))) return undefined;
    report({ type: 'redial' });
  }
  return undefined;
}

/**
 * One session for a one-shot command (`once`): a refused port is said within a second (a TCP probe first), not
 * after the connect timeout. Rejects with an Error naming every server's refusal, or as {@link Zk.connect} does
 * (CLIENT_UNAVAILABLE first of all).
 */
export async function connectOnce(config: Config, digest: string | undefined, log: Logger, signal?: AbortSignal) {
  Zk.checkClientLibrary(); // before a probe could hide it behind a refused port
  const probe = await probeServers(config.zookeeper.connect, 1000);
  if (probe.kind === 'refused') throw new Error(`zookeeper ${config.zookeeper.connect}: ${probe.errors.join(', ')}`);
  return Zk.connect(zkOptions(config, digest, signal, log));
}
