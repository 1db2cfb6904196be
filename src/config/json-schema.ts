import * as z from 'zod/mini';
import { DESCRIPTIONS } from './descriptions.js';
import { ConfigSchema } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: an untyped JSON Schema object, edited in place
type Node = Record<string, any>;

/** The object node that holds `node`'s properties (itself, or the object branch of a union), if any. */
export const objectOf = (node: Node | undefined): Node | undefined =>
  node?.properties ? node : [...(node?.anyOf ?? []), ...(node?.oneOf ?? [])].find((n: Node) => n.properties);

/** JSON Schema of the config file as users write it (durations as strings, documented defaults, descriptions). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  // The id default is computed per process; describe it instead of freezing the generator's hostname:pid.
  delete schema.properties.election.properties.id.default;
  for (const { path, node } of keysOf(schema)) if (DESCRIPTIONS[path]) node.description = DESCRIPTIONS[path];
  return { ...schema, title: 'zk-supervisor configuration' };
}

// Every key under `node`, depth first in schema order, with its dotted path.
function keysOf(node: Node, prefix = ''): { path: string; node: Node }[] {
  return (Object.entries(objectOf(node)?.properties ?? {}) as [string, Node][]).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [{ path, node: child }, ...keysOf(child, path)];
  });
}

/** Every key of the config, in order, with its JSON Schema node: for the reference and its test. */
export function configKeys(): { path: string; node: Node }[] {
  return keysOf(configJsonSchema() as Node);
}
