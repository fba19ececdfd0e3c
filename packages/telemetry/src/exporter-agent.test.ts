import { Agent as HttpsAgent } from 'node:https';
import { describe, expect, it } from 'vitest';
import { otlpExporterAgent } from './exporter-agent.js';

describe('otlpExporterAgent', () => {
  it('gives an https collector the TLS material of the config, with keep-alive', () => {
    const tls = { ca: Buffer.from('ca-pem'), cert: Buffer.from('cert-pem'), key: Buffer.from('key-pem') };
    const agent = otlpExporterAgent('https:', tls) as HttpsAgent;
    expect(agent).toBeInstanceOf(HttpsAgent);
    expect(agent.options).toMatchObject({ keepAlive: true, ...tls });
  });

  it('gives an http collector a plain keep-alive agent', () => {
    const agent = otlpExporterAgent('http:', { ca: Buffer.from('ca-pem') });
    expect(agent).not.toBeInstanceOf(HttpsAgent);
    expect(agent.options).toMatchObject({ keepAlive: true });
    expect(agent.options).not.toHaveProperty('ca');
  });
});
