// Prints the Debian changelog of the package for version argv[2]: the CHANGELOG.md section of that version, dated
// by the last commit (or SOURCE_DATE_EPOCH), so that the same tree builds the same package.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const version = process.argv[2];
const text = readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8');
const section =
  text.split(/^## /m).find((s) => s.startsWith(`${version}\n`)) ?? `${version}\n\n- Release ${version}.\n`;
const items = section
  .split('\n')
  .slice(1)
  .join('\n')
  .trim()
  .split(/^- /m)
  .filter(Boolean)
  .map((i) => `  * ${wrap(i.trim().replace(/\s+/g, ' ')).join('\n    ')}`);
// Words into lines of at most 74 characters (the changelog's limit is 80, with the indentation).
function wrap(text) {
  const lines = [''];
  for (const w of text.split(' ')) {
    if (lines.at(-1).length + w.length + 1 > 74 && lines.at(-1)) lines.push('');
    lines[lines.length - 1] += (lines.at(-1) ? ' ' : '') + w;
  }
  return lines;
}
let epoch = Number(process.env.SOURCE_DATE_EPOCH);
if (!epoch) {
  try {
    epoch = Number(execFileSync('git', ['log', '-1', '--format=%ct'], { encoding: 'utf8' }).trim());
  } catch {
    epoch = Math.floor(Date.now() / 1000);
  }
}
const date = new Date(epoch * 1000).toUTCString().replace(/GMT$/, '+0000');
process.stdout.write(
  `zk-supervisor (${version}) unstable; urgency=medium\n\n${items.join('\n')}\n\n` +
    ` -- zk-supervisor maintainers <zk-supervisor@users.noreply.github.com>  ${date}\n`
);
