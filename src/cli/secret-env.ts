// The credential of `zookeeper.auth.digestEnv` out of every environment block a job can read (DESIGN §6).
// Deleting it from `process.env` does not change the block the process was started with, which anyone of the
// same user reads in /proc/<pid>/environ. So `run` and `once` re-execute themselves (execve: the same pid, for
// systemd and the pid node) with an environment without it, handing the value over in a file of a private
// directory that the new image reads and removes before it does anything else.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const HANDOFF = 'ZKS_DIGEST_HANDOFF';
let handedOver = false;

/**
 * In a re-executed image: reads the handed-over credential back into `env` under its variable and removes the
 * file. Call first, before the config is read. A missing or unreadable file leaves `env` without it (the config
 * check then names the variable).
 */
export function takeHandoff(env: NodeJS.ProcessEnv = process.env): void {
  const at = env[HANDOFF];
  if (!at) return;
  delete env[HANDOFF];
  const [name, file] = [at.slice(0, at.indexOf('=')), at.slice(at.indexOf('=') + 1)];
  try {
    env[name] = readFileSync(file, 'utf8');
    handedOver = true;
  } catch {
    /* the config check names the variable */
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

/**
 * Re-executes this process without `name` in its environment block (its value handed over, see above), unless
 * that was done already or this Node.js has no `process.execve` (< 22.15: the block keeps it — documented).
 * Does not return when it re-executes; throws only if execve itself fails after the hand-off was written (then
 * the hand-off is removed).
 */
export function execWithoutSecret(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const value = env[name];
  if (handedOver || value === undefined || typeof process.execve !== 'function') return;
  const dir = mkdtempSync(join(process.env.XDG_RUNTIME_DIR || tmpdir(), 'zks-')); // mode 0700
  const file = join(dir, 'digest');
  writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== name) next[k] = v;
  next[HANDOFF] = `${name}=${file}`;
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], next);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
