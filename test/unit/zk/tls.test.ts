// The TLS bridge's pure parts: the connect string it stands in for, and the words for a failed handshake.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConnect } from '../../../src/zk/connect-string.js';
import { tlsFailure } from '../../../src/zk/tls.js';

test('tls: the connect string is split into servers and the chroot, which the bridge keeps', () => {
  assert.deepEqual(parseConnect('zk1:2281,zk2:2281/ops/jobs'), {
    servers: [
      { host: 'zk1', port: 2281 },
      { host: 'zk2', port: 2281 },
    ],
    chroot: '/ops/jobs',
  });
  assert.deepEqual(parseConnect('[::1]:2281'), { servers: [{ host: '::1', port: 2281 }], chroot: '' });
});

test('tls: a failed handshake is named: certificate, hostname, refused by the server, timeout', () => {
  const err = (code: string, message: string, extra = {}) => Object.assign(new Error(message), { code }, extra);
  assert.match(tlsFailure(err('CERT_HAS_EXPIRED', 'certificate has expired')), /^certificate: certificate has expired/);
  assert.match(tlsFailure(err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in chain')), /^certificate: /);
  assert.match(
    tlsFailure(err('ERR_TLS_CERT_ALTNAME_INVALID', 'x', { reason: "Host: zk9 is not in the cert's altnames" })),
    /^hostname: Host: zk9/
  );
  assert.equal(
    tlsFailure(err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ssl3_read_bytes:sslv3 alert bad certificate:../deps/…')),
    'refused by the server (TLS alert: bad certificate)'
  );
  assert.match(tlsFailure(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:2281')), /ECONNREFUSED/);
});
