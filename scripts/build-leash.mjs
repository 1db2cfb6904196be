// Builds the leash (native/leash.c → build/zks-leash) with the C compiler the `zookeeper` package already needs.
// Runs on `npm install` / `npm ci`. A missing compiler is one clear line and exit 1.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cc = process.env.CC || 'cc';
mkdirSync(join(root, 'build'), { recursive: true });
const args = ['-O2', '-Wall', '-Wextra', '-o', join(root, 'build/zks-leash'), join(root, 'native/leash.c')];
// Static when the C library allows it (≈ 0.7 MB resident instead of 1.3 MB); dynamic otherwise.
let r = spawnSync(cc, ['-static', ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
if (r.error || r.status !== 0) r = spawnSync(cc, args, { stdio: 'inherit' });
if (r.error || r.status !== 0) {
  const why = r.error
    ? `${cc}: ${r.error.code === 'ENOENT' ? 'not found' : r.error.message}`
    : `${cc} exited ${r.status}`;
  console.error(
    `zk-supervisor: cannot build the leash (native/leash.c): ${why}; install a C compiler (e.g. apt-get install -y gcc) and run npm rebuild zk-supervisor`
  );
  process.exit(1);
}
