// The config reference (docs/config.md; the Debian package makes zk-supervisor.yaml(5) of it): every key with its
// type, default and description, from the JSON Schema the validator produces — so it cannot drift from it.
import { configKeys } from '../src/config/json-schema.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema nodes
const typeOf = (n: Record<string, any>): string => {
  if (Array.isArray(n.type) && n.type.includes('number') && n.type.includes('string')) return 'duration';
  if (n.enum) return n.enum.map((v: unknown) => JSON.stringify(v)).join(' \\| ');
  if (n.anyOf || n.oneOf) return [...new Set((n.anyOf ?? n.oneOf).map(typeOf))].join(' or ');
  if (n.type === 'array') return `list of ${typeOf(n.items ?? {})}`;
  if (n.type === 'object') return n.additionalProperties ? 'map' : 'section';
  return n.type ?? 'any';
};

/** What a daemon's file (many jobs, #29) is, in words: its keys are the ones above, split between two files. */
const DAEMON = [
  'A daemon that runs many jobs on one ZooKeeper session reads a file with `zookeeper`, `logging`, `metrics` and',
  '`jobs` only: `jobs` is a directory (relative to the file) whose every `*.yaml` is one job named after its file,',
  'or a list of jobs, each with a `name` (letters, digits, `_`, `.`, `-`). A job holds `election`, `task`, `hooks`',
  'and `pidNode` as above; the shared sections apply to every job. Two jobs may not share an election.',
  '`spread: true` (default false) makes a daemon that leads its share of the jobs (⌈jobs / hosts⌉) pass a term it',
  'just won to the next candidate before the child starts.',
];

/** The reference as Markdown. */
export function configReference(): string {
  const rows = configKeys().map(({ path, node }) => {
    const def = node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``;
    return `| \`${path}\` | ${typeOf(node)} | ${def} | ${node.description ?? ''} |`;
  });
  return [
    '# zk-supervisor configuration reference',
    '',
    'Every key of the YAML config (`zk-supervisor validate --config FILE` checks a file and prints it with the',
    'defaults filled in). Durations are written with a unit: `500ms`, `10s`, `2m`, `1h`. `${VAR}` in a value is',
    'replaced by the environment variable (`${VAR:-default}`; `$${` for a literal `${`). Generated from the',
    'validator by `node --import tsx scripts/config-reference.ts`: do not edit.',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Many jobs in one daemon',
    '',
    ...DAEMON,
    '',
  ].join('\n');
}

/** The same as the man page zk-supervisor.yaml(5), for `version`. */
export function configManPage(version: string): string {
  const esc = (t: string) =>
    t
      .replace(/\\/g, '\\e')
      .replace(/^([.'])/gm, '\\&$1')
      .replace(/-/g, '\\-');
  const entries = configKeys().flatMap(({ path, node }) => {
    const def = node.default === undefined ? '' : `, default ${JSON.stringify(node.default)}`;
    return ['.TP', `.B ${esc(path)}`, esc(`(${typeOf(node).replaceAll('\\|', '|')}${def}) ${node.description ?? ''}`)];
  });
  return [
    `.TH ZK-SUPERVISOR.YAML 5 "" "zk-supervisor ${version}" "File Formats"`,
    '.SH NAME',
    'zk\\-supervisor.yaml \\- configuration of a zk\\-supervisor job',
    '.SH DESCRIPTION',
    esc('One YAML file per job, e.g. /etc/zk-supervisor/<job>.yaml. Durations take a unit: 500ms, 10s, 2m, 1h.'),
    esc('${VAR} in a value is replaced by the environment variable. zk-supervisor validate --config FILE checks a'),
    esc('file and prints it with the defaults filled in.'),
    '.SH KEYS',
    ...entries,
    '.SH MANY JOBS IN ONE DAEMON',
    ...DAEMON.map(esc),
    '.SH SEE ALSO',
    'zk\\-supervisor(1)',
    '',
  ].join('\n');
}

if (import.meta.main) {
  const roff = process.argv.indexOf('--man');
  process.stdout.write(roff > 0 ? configManPage(process.argv[roff + 1] ?? '') : configReference());
}
