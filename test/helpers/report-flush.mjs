// Preloaded into every test file's process (`node --import`). With `--test-force-exit` a file's process exits as
// soon as its last test ends, and its results travel to the runner through a pipe whose writes are asynchronous on
// Linux: results still buffered at the exit were lost, and the run passed with fewer tests than it has
// (nodejs/node#64833; 6 of 383 in some CI runs). Writing the pipe synchronously leaves nothing buffered; should
// anything still be, the file fails and says so instead of passing short.
if (process.env.NODE_TEST_CONTEXT === 'child-v8') {
  process.stdout._handle?.setBlocking?.(true);
  process.on('exit', () => {
    const left = process.stdout.writableLength;
    if (left === 0) return;
    process.stderr.write(`test report: ${left} bytes of this file's results were still unwritten at its exit\n`);
    process.exitCode = 1;
  });
}
