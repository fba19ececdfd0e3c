import { Writable } from 'node:stream';

/** A pino destination that keeps every line in memory. */
export interface CapturedLogs {
  stream: Writable;
  text(): string;
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}
