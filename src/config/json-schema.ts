import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/** JSON Schema of the config file as users write it (durations as strings, documented defaults). */
export function configJsonSchema(): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: an untyped JSON Schema object, edited in place below
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  // The id default is computed per process; describe it instead of freezing the generator's hostname:pid.
  const id = schema.properties.election.properties.id;
  delete id.default;
  id.description = 'candidate id; default hostname:pid';
  return { ...schema, title: 'zk-supervisor configuration' };
}
