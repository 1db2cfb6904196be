// Turns `zk-supervisor --help` (stdin) into the man page zk-supervisor(1) for version argv[2]: the same text as
// the command prints, so the two cannot drift apart; the README is the full manual.
import { readFileSync } from 'node:fs';

const version = process.argv[2];
const help = readFileSync(0, 'utf8');
const roff = (s) => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');
process.stdout.write(
  [
    `.TH ZK-SUPERVISOR 1 "" "zk-supervisor ${version}" "User Commands"`,
    '.SH NAME',
    'zk-supervisor \\- process supervisor driven by ZooKeeper leader election',
    '.SH SYNOPSIS',
    '.B zk-supervisor',
    '.I command',
    '.B \\-\\-config',
    '.I file',
    '.RI [ options ]',
    '.SH DESCRIPTION',
    'Several hosts run it with the same config; the one that wins the election runs the configured command',
    'and stops it when it loses leadership or its ZooKeeper session. Each command has its own',
    '.BR \\-\\-help .',
    '.SH COMMANDS AND OPTIONS',
    '.nf',
    roff(help.trimEnd()),
    '.fi',
    '.SH FILES',
    '.TP',
    '.I /etc/zk-supervisor/<job>.yaml',
    'one job per file, run by the unit zk-supervisor@<job>.service',
    '.TP',
    '.I /etc/zk-supervisor/zk-supervisor.yaml',
    'the daemon of many jobs (its jobs: key names them, e.g. /etc/zk-supervisor/jobs.d/*.yaml), run by the unit',
    'zk-supervisor.service; status, resign, drain and once take \\-\\-job NAME',
    '.SH SEE ALSO',
    '/usr/share/doc/zk-supervisor/README.md.gz (the full manual), systemd.service(5)',
    '',
  ].join('\n')
);
