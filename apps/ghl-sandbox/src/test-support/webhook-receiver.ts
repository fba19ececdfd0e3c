import { createServer, type IncomingHttpHeaders } from 'node:http';

/** One POST the receiver got. */
export interface ReceivedWebhook {
  raw: Buffer;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON. */
  body: Record<string, unknown>;
}

/** A tiny webhook receiver for tests: records every request and answers what `answer` says. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status for the request just received (its 0-based ordinal among all); `'hang'` never answers. */
  answer: (request: ReceivedWebhook, ordinal: number) => number | 'hang';
  close(): Promise<void>;
}

/** Starts a receiver on a free port of 127.0.0.1 that answers 200 until told otherwise. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    received,
    answer: () => 200,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const hit: ReceivedWebhook = { raw, headers: request.headers, body: JSON.parse(raw.toString('utf8')) };
      received.push(hit);
      const status = receiver.answer(hit, received.length - 1);
      if (status !== 'hang') response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver did not bind');
  receiver.url = `http://127.0.0.1:${address.port}/webhooks/ghl`;
  return receiver;
}
