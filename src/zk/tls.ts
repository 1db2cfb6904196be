// TLS to ZooKeeper (the C client has none): the options, read from PEM files and checked, and why a
// handshake failed, in words an operator can act on.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** How the bridge talks TLS to every server of the connect string. */
export interface ZkTlsOptions {
  /** Trusted CA certificates (PEM); default: the system's. */
  ca?: string;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** Name to verify the servers' certificates against (default: each server's host). */
  servername?: string;
  /** Verify the servers' certificates (default true). */
  rejectUnauthorized?: boolean;
  /** A handshake not done by then fails the connection (default 5 s). */
  handshakeTimeoutMs?: number;
}

/** `zookeeper.tls` as the config file gives it: file names. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  passphraseFile?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** A TLS file that cannot be used: `field` is its config key (`zookeeper.tls.cert`, …). */
export class TlsFileError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(`${field}: ${message}`);
  }
}

function read(field: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TlsFileError(field, `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function certificate(field: string, file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new TlsFileError(field, `${file}: not a PEM certificate`);
  }
}

/**
 * Reads and checks the files of `files` (readable, PEM that parses, a key that matches the certificate, a
 * certificate that has not expired). Throws TlsFileError naming the field and the file; never prints a key.
 */
export function readTlsFiles(files: TlsFiles): ZkTlsOptions {
  const out: ZkTlsOptions = { rejectUnauthorized: files.rejectUnauthorized, servername: files.servername };
  if (files.ca) {
    out.ca = read('zookeeper.tls.ca', files.ca);
    certificate('zookeeper.tls.ca', files.ca, out.ca);
  }
  if (files.passphraseFile) out.passphrase = read('zookeeper.tls.passphraseFile', files.passphraseFile).trim();
  if (Boolean(files.cert) !== Boolean(files.key)) {
    throw new TlsFileError(files.cert ? 'zookeeper.tls.key' : 'zookeeper.tls.cert', 'cert and key go together');
  }
  if (files.cert && files.key) {
    out.cert = read('zookeeper.tls.cert', files.cert);
    out.key = read('zookeeper.tls.key', files.key);
    const x509 = certificate('zookeeper.tls.cert', files.cert, out.cert);
    let key: ReturnType<typeof createPrivateKey>;
    try {
      key = createPrivateKey({ key: out.key, passphrase: out.passphrase });
    } catch {
      const hint = out.passphrase ? 'or the passphrase is wrong' : 'or it is encrypted: set passphraseFile';
      throw new TlsFileError('zookeeper.tls.key', `${files.key}: not a PEM private key (${hint})`);
    }
    if (!x509.checkPrivateKey(key)) {
      throw new TlsFileError('zookeeper.tls.key', `${files.key}: does not match the certificate ${files.cert}`);
    }
    if (Date.parse(x509.validTo) < Date.now()) {
      throw new TlsFileError('zookeeper.tls.cert', `${files.cert}: expired on ${x509.validTo}`);
    }
  }
  return out;
}

/** Why a TLS connection failed: `certificate: …`, `hostname: …`, `handshake timeout`, or the socket error. */
export function tlsFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `hostname: ${e.reason ?? e.message}`;
  const alert = /_ALERT_(\w+)$/.exec(code)?.[1];
  if (alert) return `refused by the server (TLS alert: ${alert.toLowerCase().replace(/_/g, ' ')})`;
  if (/CERT|SIGNATURE|ISSUER|SELF_SIGNED|UNABLE_TO_GET|UNABLE_TO_VERIFY/.test(code))
    return `certificate: ${e.message} (${code})`;
  if (code === 'ECONNRESET') return `refused by the server: ${e.message}`;
  return e.message || String(err);
}
