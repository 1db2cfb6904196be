// winston logger factory: a constant message plus fields; `text` for terminals, `json` for journald.
import winston from 'winston';

export type Logger = winston.Logger;

/** Creates the process logger (writes to stderr, so stdout stays the child's). */
export function createLogger(
  opts: { level?: string; format?: 'auto' | 'text' | 'json'; fields?: Record<string, unknown> } = {}
): Logger {
  const json = opts.format === 'json' || (opts.format !== 'text' && !process.stdout.isTTY);
  const text = winston.format.printf(({ level, message, timestamp, ...fields }) => {
    const rest = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${rest ? ` ${rest}` : ''}`;
  });
  return winston.createLogger({
    level: opts.level ?? 'info',
    defaultMeta: opts.fields,
    format: winston.format.combine(winston.format.timestamp(), json ? winston.format.json() : text),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
