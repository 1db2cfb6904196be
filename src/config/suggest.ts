// "Did you mean": the known key closest to a mistyped one, from the config's JSON Schema.
import { configJsonSchema, objectOf } from './json-schema.js';

function keysAt(path: readonly string[]): string[] {
  let node = objectOf(configJsonSchema());
  for (const key of path) node = objectOf(node?.properties?.[key]);
  return Object.keys(node?.properties ?? {});
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The key at `path` that `key` was probably meant to be (at most a third of its letters off), or undefined. */
export function didYouMean(path: readonly string[], key: string): string | undefined {
  return closest(key, keysAt(path));
}

/** The word of `known` that `word` was probably meant to be (at most a third of its letters off), or undefined. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const key = word;
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key, k);
    if (!best || d < best.d) best = { k, d };
  }
  return best && best.d <= Math.max(1, Math.floor(key.length / 3)) ? best.k : undefined;
}
