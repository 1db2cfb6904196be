// `suspend` / `resume`: the job's cluster-wide, persistent suspension marker `<election.path>/suspended` (who,
// when), written with the members' ACL like a resign request. Its leader keeps the term and starts nothing.
import { hostname, userInfo } from 'node:os';
import type { Config } from '../config/schema.js';
import { layoutOf } from '../recipes/layout.js';
import { memberAcl } from '../zk/acl.js';
import { isZkError } from '../zk/errors.js';
import { ensurePath } from '../zk/helpers.js';
import { EXIT, fail, jobOf, loadAll, problemOf } from './common.js';
import { withZk } from './status.js';

/** Writes (`on`) or deletes the marker; resolves whether that changed anything. */
export async function setSuspended(config: Config, digest: string | undefined, on: boolean): Promise<boolean> {
  return withZk(config, digest, async (zk) => {
    const marker = layoutOf(config.election.path).suspended;
    const acl = memberAcl(config.zookeeper.acl, digest);
    try {
      if (!on) await zk.delete(marker);
      else {
        await ensurePath(zk, config.election.path, acl);
        const by = `${userInfo().username}@${hostname()}`;
        await zk.create(marker, JSON.stringify({ by, at: new Date().toISOString() }), { acl });
      }
      return true;
    } catch (err) {
      if (isZkError(err, on ? 'NODEEXISTS' : 'NONODE')) return false;
      throw err;
    }
  });
}

/** The CLI: suspends or resumes `job` (a daemon's file without one: every job), one line each; exits. */
export async function suspendCommand(file: string, on: boolean, job?: string): Promise<void> {
  const all = loadAll(file);
  const targets = all.daemon && job === undefined ? all.jobs : [jobOf(all, job)];
  const what = on ? 'suspended' : 'resumed';
  for (const loaded of targets) {
    const of = loaded.name === undefined ? '' : ` (job ${loaded.name})`;
    let changed: boolean;
    try {
      changed = await setSuspended(loaded.config, all.digest, on);
    } catch (err) {
      return fail(EXIT.FAILURE, `${problemOf(err, all.digest)}${of}`);
    }
    const note = on ? ': its leader keeps the term and starts nothing until resume' : '';
    process.stdout.write(`${changed ? what : `already ${what}`}: ${loaded.config.election.path}${of}${note}\n`);
  }
  process.exit(EXIT.OK);
}
