import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGhlServer, type FakeGhlServer } from './test-support/fake-ghl-server.js';
import { recordingGate, rejectionOf, TOKEN, testClient } from './test-support/client-test-kit.js';

let server: FakeGhlServer;
beforeEach(async () => {
  server = await startFakeGhlServer();
});
afterEach(async () => {
  await server.close();
});

describe('getOpportunity', () => {
  it('GETs /opportunities/{id} through the gate and returns the record as received', async () => {
    const opportunity = {
      id: 'opp/1',
      name: 'Deal',
      monetaryValue: 'oops',
      updatedAt: '2026-01-01T00:00:00.000Z',
      x: 1,
    };
    server.script({ status: 200, body: { opportunity, traceId: 'trace-1' } });
    const gate = recordingGate();
    const { client, events } = testClient(server, { gate });
    const result = await client.getOpportunity('opp/1');
    expect(result).toEqual({
      found: true,
      opportunity,
      traceId: 'trace-1',
      attempts: 1,
    });
    const req = server.requests[0]!;
    expect(req.path).toBe('/opportunities/opp%2F1');
    expect(req.query).toEqual({});
    expect(req.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['version']).toBe('2021-07-28');
    expect(gate.acquired).toBe(1);
    expect(gate.observed).toHaveLength(1);
    expect(events[0]).toMatchObject({ endpoint: 'opportunity', status: 200, attempt: 1 });
  });

  it('resolves found:false for a 404 and for a 400 saying "not found"', async () => {
    server.script({ status: 404, body: { statusCode: 404, message: 'Opportunity not found' } });
    const { client } = testClient(server);
    expect(await client.getOpportunity('gone')).toEqual({ found: false, status: 404, attempts: 1 });
    server.script({ status: 400, body: { statusCode: 400, message: 'Opportunity not found' } });
    expect(await client.getOpportunity('gone')).toEqual({ found: false, status: 400, attempts: 1 });
  });

  it('throws for any other 400', async () => {
    server.script({ status: 400, body: { statusCode: 400, message: 'Version header is required' } });
    const { client } = testClient(server);
    const bad = await rejectionOf(client.getOpportunity('x'));
    expect(bad.code).toBe('ghl_bad_request');
    expect(bad.details).toMatchObject({ endpoint: 'opportunity', status: 400 });
    expect((await rejectionOf(client.getOpportunity(''))).code).toBe('invalid_argument');
  });

  it('retries a 5xx like every GET', async () => {
    server.script(
      { status: 502, body: { statusCode: 502, message: 'Bad Gateway' } },
      { status: 200, body: { opportunity: { id: 'x' } } },
    );
    const { client } = testClient(server);
    expect(await client.getOpportunity('x')).toMatchObject({ found: true, attempts: 2 });
  });

  it('throws ghl_invalid_response for a 200 without `opportunity`', async () => {
    server.script({ status: 200, body: { traceId: 't' } });
    const { client } = testClient(server, { maxAttempts: 2 });
    const invalid = await rejectionOf(client.getOpportunity('x'));
    expect(invalid.code).toBe('ghl_invalid_response');
    expect(invalid.details).toMatchObject({ endpoint: 'opportunity', attempts: 2 });
  });
});
