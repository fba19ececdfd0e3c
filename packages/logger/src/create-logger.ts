import pino, { type Logger, type LoggerOptions } from 'pino';
import { REDACT_PATHS } from './redact-paths.js';
import { serializeError } from './serialize-error.js';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** `name` binding on every line, e.g. `worker`, `api`, `cli`. */
  name: string;
  /** @defaultValue 'info' */
  level?: string;
  /** `auto` = pretty when stdout is a TTY, JSON otherwise. @defaultValue 'auto' */
  format?: 'auto' | 'json' | 'pretty';
  /** Where JSON lines go (tests capture them). @defaultValue the `fd` stream */
  destination?: pino.DestinationStream;
  /**
   * File descriptor of the log when no `destination` is given: 1 (stdout) for services, 2 (stderr)
   * for a command whose stdout is its result (`--json`). @defaultValue 1
   */
  fd?: 1 | 2;
  /** Extra bindings on every line (e.g. `{ pid }`). */
  base?: Record<string, unknown>;
}

/**
 * Builds the one root logger of an app. Libraries receive child loggers of it. Secrets are
 * redacted by path (see `REDACT_PATHS`) and replaced with `[redacted]`; an `err` is serialized by
 * {@link serializeError}, which drops the request and answer an HTTP client error carries.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const pretty =
    options.format === 'pretty' ||
    (options.format !== 'json' &&
      options.destination === undefined &&
      (fd === 1 ? process.stdout : process.stderr).isTTY === true);
  const pinoOptions: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    base: { pid: process.pid, ...options.base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
  };
  if (pretty) {
    return pino({
      ...pinoOptions,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: fd },
      },
    });
  }
  if (options.destination) return pino(pinoOptions, options.destination);
  return fd === 1 ? pino(pinoOptions) : pino(pinoOptions, pino.destination({ dest: fd, sync: true }));
}

/** A logger that drops everything; the default for libraries given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Logger };
