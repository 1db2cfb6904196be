// Who the job runs as (`task.user` / `task.group`), looked up through the system's user database (NSS).
import { execFile, execFileSync } from 'node:child_process';

/** The job's user and group, and what its environment says about the user. */
export interface Identity {
  uid: number;
  gid: number;
  name: string;
  home: string;
}

type Db = 'passwd' | 'group';
const fields = (out: string) => out.split('\n')[0]?.split(':');

// getent knows every NSS source (files, LDAP, sssd); Node itself has no getpwnam.
function getent(db: Db, key: string): string[] | undefined {
  try {
    return fields(execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return undefined;
  }
}

// The identity from the passwd and group entries `lookup` finds (see resolveIdentity).
function identityOf(user: string | undefined, group: string | undefined, pw?: string[], gr?: string[]): Identity {
  let id: Identity = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: '', home: '' };
  if (user !== undefined) {
    if (!pw || pw.length < 7) throw new Error(`task.user: no such user ${JSON.stringify(user)}`);
    id = { uid: Number(pw[2]), gid: Number(pw[3]), name: pw[0]!, home: pw[5]! };
  }
  if (group !== undefined) {
    if (!gr || gr.length < 3) throw new Error(`task.group: no such group ${JSON.stringify(group)}`);
    id.gid = Number(gr[2]);
  }
  return id;
}

/**
 * Resolves `user` (name or uid) and `group` (name or gid; default the user's primary group).
 * Returns undefined when neither is set; throws an Error naming the field when one does not exist. Blocks while
 * the system's user database answers: at start-up only (a reload uses {@link resolveIdentityAsync}).
 */
export function resolveIdentity(user: string | undefined, group: string | undefined): Identity | undefined {
  if (user === undefined && group === undefined) return undefined;
  const pw = user === undefined ? undefined : getent('passwd', user);
  return identityOf(user, group, pw, group === undefined ? undefined : getent('group', group));
}

/**
 * {@link resolveIdentity} without blocking the event loop (a slow LDAP must not stop the lease's heartbeats):
 * rejects as it throws, and with an Error naming the field when the lookup takes longer than `timeoutMs`.
 */
export async function resolveIdentityAsync(
  user: string | undefined,
  group: string | undefined,
  timeoutMs = 10_000
): Promise<Identity | undefined> {
  if (user === undefined && group === undefined) return undefined;
  const lookup = (db: Db, key: string | undefined, field: string) =>
    key === undefined
      ? Promise.resolve(undefined)
      : new Promise<string[] | undefined>((resolve, reject) => {
          execFile('getent', [db, key], { encoding: 'utf8', timeout: timeoutMs }, (err, out) => {
            if (err?.killed) reject(new Error(`${field}: looking up ${JSON.stringify(key)} took over ${timeoutMs} ms`));
            else resolve(err ? undefined : fields(out));
          });
        });
  const [pw, gr] = await Promise.all([lookup('passwd', user, 'task.user'), lookup('group', group, 'task.group')]);
  return identityOf(user, group, pw, gr);
}

/** Why this process cannot switch to `id`, or undefined (only root can run the job as someone else). */
export function cannotSwitch(id: Identity): string | undefined {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === 0 || (id.uid === uid && id.gid === gid)) return undefined;
  return `running the job as uid ${id.uid} gid ${id.gid} needs the supervisor to run as root (it runs as uid ${uid})`;
}
