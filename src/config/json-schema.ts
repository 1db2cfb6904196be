import { z } from 'zod';
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
  const describe = (node: Node, prefix: string) => {
    for (const [key, child] of Object.entries(objectOf(node)?.properties ?? {}) as [string, Node][]) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (DESCRIPTIONS[path]) child.description = DESCRIPTIONS[path];
      describe(child, path);
    }
  };
  describe(schema, '');
  return { ...schema, title: 'zk-supervisor configuration' };
}

/** Every key of the config, in order, with its JSON Schema node: for the reference and its test. */
export function configKeys(): { path: string; node: Node }[] {
  const out: { path: string; node: Node }[] = [];
  const walk = (node: Node, prefix: string) => {
    for (const [key, child] of Object.entries(objectOf(node)?.properties ?? {}) as [string, Node][]) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push({ path, node: child });
      walk(child, path);
    }
  };
  walk(configJsonSchema() as Node, '');
  return out;
}
