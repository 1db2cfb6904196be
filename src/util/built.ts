// Files built at install (scripts/build-native.mjs) into build/ of this package: found by walking up from this
// module, which is in src/ or dist/ (and dist/chunks/ when bundled).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string | undefined>();

/** Path of build/`name` in this package, or undefined when it was not built. */
export function builtFile(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  let path: string | undefined;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'build', name);
    if (existsSync(candidate)) path = candidate;
    if (path || dirname(dir) === dir) break;
  }
  found.set(name, path);
  return path;
}
