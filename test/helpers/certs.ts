// A test PKI made at test time with the openssl command: a CA, server and client certificates (PEM), an expired
// one, and a second CA nobody trusts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** CA certificate (PEM file) that signed everything below. */
  ca: string;
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCa: string;
  /** Server key + certificate in one PEM file (ZooKeeper's PEM keystore), for localhost and 127.0.0.1. */
  serverPem: string;
  /** The same, but expired yesterday. */
  expiredServerPem: string;
  /** Client certificate and key for mutual TLS. */
  clientCert: string;
  clientKey: string;
}

const openssl = (cwd: string, ...args: string[]) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

// Signs `name`.csr with the CA through `openssl ca`, which (unlike `x509 -req`) takes explicit dates.
function sign(dir: string, name: string, san: string, dates: [string, string]): void {
  writeFileSync(join(dir, `${name}.ext`), `[ext]\nsubjectAltName=${san}\n`);
  openssl(
    dir,
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.crt`,
    '-startdate',
    dates[0],
    '-enddate',
    dates[1],
    '-extfile',
    `${name}.ext`,
    '-extensions',
    'ext',
    '-notext'
  );
}

/** Creates the PKI in `dir` (about half a second). */
export function makePki(dir: string): TestPki {
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(join(dir, 'db', 'index.txt'), '');
  writeFileSync(join(dir, 'db', 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `database = ${join(dir, 'db', 'index.txt')}`,
      `serial = ${join(dir, 'db', 'serial')}`,
      `new_certs_dir = ${join(dir, 'db')}`,
      'certificate = ca.pem',
      'private_key = ca.key',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n')
  );
  const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
  const day = 86_400_000;
  const valid: [string, string] = [stamp(new Date(Date.now() - day)), stamp(new Date(Date.now() + 2 * day))];
  const expired: [string, string] = [stamp(new Date(Date.now() - 3 * day)), stamp(new Date(Date.now() - day))];
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '3',
      '-subj',
      `/CN=zk-supervisor test ${ca}`
    );
  }
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['expired', 'localhost'],
    ['client', 'zk-supervisor client'],
  ] as const) {
    openssl(
      dir,
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`
    );
    const san = name === 'client' ? 'DNS:client.test' : 'DNS:localhost,IP:127.0.0.1';
    sign(dir, name, san, name === 'expired' ? expired : valid);
  }
  execFileSync('sh', ['-c', 'cat server.key server.crt > server.pem && cat expired.key expired.crt > expired.pem'], {
    cwd: dir,
  });
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    serverPem: join(dir, 'server.pem'),
    expiredServerPem: join(dir, 'expired.pem'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
  };
}
