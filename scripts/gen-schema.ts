// Writes config/zk-supervisor.schema.json (JSON Schema of the YAML config, for editors) from the zod schema.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.js';
writeFileSync(
  new URL('../config/zk-supervisor.schema.json', import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`
);
