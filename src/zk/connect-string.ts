// The connect string, split: what the probe and the TLS bridge need, without loading node:tls.

/** Splits `host:port[,host:port…][/chroot]` (IPv6 hosts in brackets). */
export function parseConnect(connect: string): { servers: { host: string; port: number }[]; chroot: string } {
  const slash = connect.indexOf('/');
  const hosts = slash < 0 ? connect : connect.slice(0, slash);
  const servers = hosts.split(',').map((hp) => {
    const colon = hp.lastIndexOf(':');
    const host = hp.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    return { host, port: Number(hp.slice(colon + 1)) };
  });
  return { servers, chroot: slash < 0 ? '' : connect.slice(slash) };
}
