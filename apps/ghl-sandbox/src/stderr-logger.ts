import type { SandboxLogger } from './sandbox-options.js';

/**
 * Minimal JSON-lines logger for the standalone binary, on stderr so stdout carries only the
 * start-up lines (URL, location ids and tokens) scripts parse. `@ghl-sync/logger` would be the natural
 * choice, but importing it makes this app's type-check depend on that package's build output;
 * the sandbox only logs start/stop, so a few lines here avoid the coupling.
 */
export function createStderrLogger(name: string, debug = false): SandboxLogger {
  const write = (level: string) => (o: object, m?: string): void => {
    process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), name, ...o, ...(m === undefined ? {} : { msg: m }) })}\n`);
  };
  return { info: write('info'), warn: write('warn'), error: write('error'), debug: debug ? write('debug') : () => {} };
}
