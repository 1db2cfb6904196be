#!/usr/bin/env node
// Entry point of the installed command: the compiled CLI (npm run build).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2)));
