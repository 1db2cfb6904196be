// Who the job runs as (`task.user` / `task.group`), looked up through the system's user database (NSS).
import { execFileSync } from 'node:child_process';

/** The job's user and group, and what its environment says about the user. */
export interface Identity {
  uid: number;
  gid: number;
  name: string;
  home: string;
}

// getent knows every NSS source (files, LDAP, sssd); Node itself has no getpwnam.
function getent(db: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    const line = execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return line.split('\n')[0]?.split(':');
  } catch {
    return undefined;
  }
}

/**
 * Resolves `user` (name or uid) and `group` (name or gid; default the user's primary group).
 * Returns undefined when neither is set; throws an Error naming the field when one does not exist.
 */
export function resolveIdentity(user: string | undefined, group: string | undefined): Identity | undefined {
  if (user === undefined && group === undefined) return undefined;
  let id: Identity = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: '', home: '' };
  if (user !== undefined) {
    const pw = getent('passwd', user);
    if (!pw || pw.length < 7) throw new Error(`task.user: no such user ${JSON.stringify(user)}`);
    id = { uid: Number(pw[2]), gid: Number(pw[3]), name: pw[0]!, home: pw[5]! };
  }
  if (group !== undefined) {
    const gr = getent('group', group);
    if (!gr || gr.length < 3) throw new Error(`task.group: no such group ${JSON.stringify(group)}`);
    id.gid = Number(gr[2]);
  }
  return id;
}

/** Why this process cannot switch to `id`, or undefined (only root can run the job as someone else). */
export function cannotSwitch(id: Identity): string | undefined {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === 0 || (id.uid === uid && id.gid === gid)) return undefined;
  return `running the job as uid ${id.uid} gid ${id.gid} needs the supervisor to run as root (it runs as uid ${uid})`;
}
