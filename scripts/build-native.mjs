// Builds the native parts with the C compiler the `zookeeper` package already needs: the leash
// (native/leash.c → build/zks-leash) and the systemd notifier (native/notify.c → build/zks-notify.node, a
// Node-API addon that declares what it uses: no Node headers needed). Runs on `npm install` / `npm ci`. A missing
// compiler or a failed build is one clear line and exit 1.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cc = process.env.CC || 'cc';
mkdirSync(join(root, 'build'), { recursive: true });

const compile = (what, source, out, flags, fallback) => {
  const args = ['-O2', '-Wall', '-Wextra', ...flags, '-o', join(root, out), join(root, source)];
  let r = spawnSync(cc, args, { stdio: fallback ? ['ignore', 'ignore', 'ignore'] : 'inherit' });
  if (fallback && (r.error || r.status !== 0)) r = spawnSync(cc, fallback(args), { stdio: 'inherit' });
  if (!r.error && r.status === 0) return;
  const why = r.error
    ? `${cc}: ${r.error.code === 'ENOENT' ? 'not found' : r.error.message}`
    : `${cc} exited ${r.status}`;
  console.error(
    `zk-supervisor: cannot build ${what} (${source}): ${why}; install a C compiler (e.g. apt-get install -y gcc) and run npm rebuild zk-supervisor`
  );
  process.exit(1);
};

// Static when the C library allows it (≈ 0.7 MB resident instead of 1.3 MB); dynamic otherwise.
compile('the leash', 'native/leash.c', 'build/zks-leash', ['-static'], (args) => args.filter((a) => a !== '-static'));
// Node's own symbols are resolved when the addon is loaded into it.
compile('the systemd notifier', 'native/notify.c', 'build/zks-notify.node', ['-shared', '-fPIC']);
