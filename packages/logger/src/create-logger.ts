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
  /** Where JSON lines go (tests capture them). @defaultValue stdout */
  destination?: pino.DestinationStream;
  /** Extra bindings on every line (e.g. `{ pid }`). */
  base?: Record<string, unknown>;
}

/**
 * Builds the one root logger of an app. Libraries receive child loggers of it. Secrets are
 * redacted by path (see `REDACT_PATHS`) and replaced with `[redacted]`; an `err` is serialized by
 * {@link serializeError}, which drops the request and answer an HTTP client error carries.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const pretty =
    options.format === 'pretty' ||
    (options.format !== 'json' && options.destination === undefined && process.stdout.isTTY === true);
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
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** A logger that drops everything; the default for libraries given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Logger };
