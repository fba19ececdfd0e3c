import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '@ghl-sync/config';
import { OPENAPI_DOCUMENT } from '@ghl-sync/api';
import { startMetricsServer } from '@ghl-sync/metrics';
import { Registry } from 'prom-client';
import { findKubectl, renderExampleOverlay, type K8sObject } from './render-kustomization.js';
import { validateObject } from './validate-object.js';
import { benchmarkSection, memoryPeakMb, workerCoresAtSizingRate } from './benchmark-figures.js';

// deploy/kubernetes renders, every object passes its Kubernetes or KEDA schema, and the values that
// must agree with the code do: env names and values, ports, probe paths, the shutdown grace period.
const EXAMPLE_DIR = fileURLToPath(new URL('../../deploy/kubernetes/example', import.meta.url));
const BENCHMARKS = readFileSync(new URL('../../BENCHMARKS.md', import.meta.url), 'utf8');
/** Environment variables a container may set that are not ghl-sync's own. */
const RUNTIME_ENV = new Set(['NODE_OPTIONS']);

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string; optional?: boolean } }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}

const kubectl = findKubectl();
// kubectl ships kustomize. Not every machine image has it (Debian's own kubernetes-client is too old to
// render these kustomizations), so a machine without it skips this file and says so loudly.
const describeIfKubectl = kubectl ? describe : describe.skip;
if (!kubectl)
  console.warn('kubectl not found: the Kubernetes manifest tests are SKIPPED (install kubectl >= 1.27 to run them)');

describeIfKubectl('deploy/kubernetes', () => {
  let objects: K8sObject[];
  const find = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
    return found;
  };
  const podSpec = (o: K8sObject) => (o['spec'] as { template: { spec: PodSpec } }).template.spec;
  /** The environment one container gets: its ConfigMap and Secret sources, then its own `env`. */
  const environmentOf = (container: Container): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) Object.assign(env, find('ConfigMap', source.configMapRef.name)['data']);
      if (source.secretRef) {
        const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === source.secretRef!.name);
        if (!secret && !source.secretRef.optional) throw new Error(`Secret ${source.secretRef.name} is missing`);
        for (const [k, v] of Object.entries((secret?.['data'] as Record<string, string>) ?? {}))
          env[k] = Buffer.from(v, 'base64').toString('utf8');
      }
    }
    for (const { name, value } of container.env ?? []) env[name] = value ?? '';
    return env;
  };
  const workloads = () => objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job');

  beforeAll(() => {
    if (!kubectl) throw new Error('kubectl (with its kustomize) is needed to render deploy/kubernetes');
    objects = renderExampleOverlay(kubectl, EXAMPLE_DIR);
  });

  it('renders the API, worker, migration Job, Secrets, PodDisruptionBudgets and KEDA ScaledObject', () => {
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).map((n) => n.replace(/-[a-z0-9]{10}$/, ''));
    expect(names.sort()).toEqual(
      [
        'ConfigMap/ghl-sync',
        'Deployment/ghl-sync-api',
        'Deployment/ghl-sync-worker',
        'Job/ghl-sync-migrate',
        'Namespace/ghl-sync',
        'PodDisruptionBudget/ghl-sync-api',
        'PodDisruptionBudget/ghl-sync-worker',
        'ScaledObject/ghl-sync-worker',
        'Secret/ghl-sync',
        'Secret/ghl-sync-oauth',
        'Service/ghl-sync-api',
        'ServiceAccount/ghl-sync',
      ].sort(),
    );
  });

  it('validates every object against its Kubernetes or KEDA schema', () => {
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });

  it('the schema check is real: a wrong type and a missing field are refused', () => {
    const worker = structuredClone(find('Deployment', 'ghl-sync-worker'));
    podSpec(worker).terminationGracePeriodSeconds = 'sixty' as never;
    expect(() => validateObject(worker)).toThrow(/terminationGracePeriodSeconds must be integer/);
    const scaled = structuredClone(find('ScaledObject', 'ghl-sync-worker'));
    delete (scaled['spec'] as Record<string, unknown>)['scaleTargetRef'];
    expect(() => validateObject(scaled)).toThrow(/scaleTargetRef/);
  });

  it('sets only environment variables the config schema knows, with values it accepts', () => {
    const known = new Set(describeConfig().map((c) => c.name));
    for (const workload of workloads()) {
      for (const container of podSpec(workload).containers) {
        const env = environmentOf(container);
        const unknown = Object.keys(env).filter((name) => !known.has(name) && !RUNTIME_ENV.has(name));
        expect(unknown, `${workload.metadata.name}/${container.name}`).toEqual([]);
        const ghlEnv = Object.fromEntries(Object.entries(env).filter(([k]) => known.has(k)));
        expect(() => loadConfig(ghlEnv), `${workload.metadata.name}/${container.name}`).not.toThrow();
      }
    }
  });

  it('gives the Secrets exactly the secret settings, and keeps secrets out of the ConfigMap', () => {
    const secretKeys = (name: string) =>
      Object.keys(
        objects.find((o) => o.kind === 'Secret' && new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name))![
          'data'
        ] as object,
      );
    expect(secretKeys('ghl-sync').sort()).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'REDIS_URL', 'TOKEN_ENCRYPTION_KEY']);
    expect(secretKeys('ghl-sync-oauth').sort()).toEqual(['GHL_OAUTH_CLIENT_ID', 'GHL_OAUTH_CLIENT_SECRET']);
    const configKeys = Object.keys(find('ConfigMap', 'ghl-sync')['data'] as object);
    // Agency installs need the app id and redirect URI; they are not secret, so the ConfigMap has them.
    expect(configKeys).toEqual(expect.arrayContaining(['GHL_OAUTH_APP_ID', 'GHL_OAUTH_REDIRECT_URI']));
    expect(configKeys.filter((k) => /TOKEN|SECRET|KEY|PASSWORD|DATABASE_URL|REDIS_URL/.test(k))).toEqual([]);
  });

  it('exposes the ports the processes listen on, on every interface of the pod', () => {
    const api = podSpec(find('Deployment', 'ghl-sync-api')).containers[0]!;
    const apiConfig = loadConfig(environmentOf(api));
    expect(api.args).toEqual(['api']);
    expect(api.ports).toEqual([{ name: 'http', containerPort: apiConfig.API_PORT }]);
    const worker = podSpec(find('Deployment', 'ghl-sync-worker')).containers[0]!;
    const workerConfig = loadConfig(environmentOf(worker));
    expect(worker.args).toEqual(['worker']);
    expect(worker.ports).toEqual([{ name: 'metrics', containerPort: workerConfig.WORKER_METRICS_PORT }]);
    // Loopback-only listeners could not be probed or scraped from outside the container.
    for (const [name, config] of [
      ['API_HOST', apiConfig],
      ['WORKER_METRICS_HOST', workerConfig],
    ] as const)
      if (name in config) expect((config as Record<string, unknown>)[name], name).toBe('0.0.0.0');
    const service = find('Service', 'ghl-sync-api')['spec'] as { ports: Array<{ targetPort: string }> };
    expect(service.ports.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('probes paths the API serves (its OpenAPI document, held against its routes)', () => {
    const api = podSpec(find('Deployment', 'ghl-sync-api')).containers[0]!;
    const paths = OPENAPI_DOCUMENT.paths as Record<string, { get?: unknown }>;
    expect([api.startupProbe, api.livenessProbe, api.readinessProbe].map((p) => p?.httpGet.path)).toEqual([
      '/health',
      '/health',
      '/ready',
    ]);
    for (const probe of [api.startupProbe, api.livenessProbe, api.readinessProbe]) {
      expect(paths[probe!.httpGet.path]?.get, probe!.httpGet.path).toBeDefined();
      expect(probe!.httpGet.port).toBe('http');
    }
  });

  it("probes paths the worker's metrics server answers", async () => {
    const worker = podSpec(find('Deployment', 'ghl-sync-worker')).containers[0]!;
    const probes = [worker.startupProbe, worker.livenessProbe, worker.readinessProbe];
    expect(probes.map((p) => p?.httpGet.path)).toEqual(['/health', '/health', '/ready']);
    const server = await startMetricsServer(new Registry(), 0, '127.0.0.1', { ready: async () => [] });
    try {
      for (const probe of probes) {
        expect(probe!.httpGet.port).toBe('metrics');
        const res = await fetch(`http://127.0.0.1:${server.port}${probe!.httpGet.path}`);
        expect(res.status, probe!.httpGet.path).toBe(200);
      }
    } finally {
      await server.close();
    }
  });

  it('gives every pod longer to stop than the process takes to shut down', () => {
    for (const name of ['ghl-sync-api', 'ghl-sync-worker']) {
      const spec = podSpec(find('Deployment', name));
      const graceMs = loadConfig(environmentOf(spec.containers[0]!)).SHUTDOWN_GRACE_MS;
      // Active jobs get SHUTDOWN_GRACE_MS, then queues, Redis and Postgres close: leave 10 s for that.
      expect(spec.terminationGracePeriodSeconds! * 1000, name).toBeGreaterThanOrEqual(graceMs + 10_000);
    }
  });

  it('caps the worker heap and requests what a worker was measured to use (BENCHMARKS.md)', () => {
    const worker = podSpec(find('Deployment', 'ghl-sync-worker')).containers[0]!;
    expect(environmentOf(worker)['NODE_OPTIONS']).toBe('--max-old-space-size=128');
    const { requests, limits } = worker.resources ?? {};
    expect(Object.keys(requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(limits ?? {})).toEqual(['memory']);
    // CPU: what the sizing run measured for one worker at the rate the fleet model assumes. A rerun
    // of the bench that moves the figure by more than a fifth fails here until the request follows.
    const measuredCores = workerCoresAtSizingRate(benchmarkSection(BENCHMARKS, 'sizing'));
    const requestedCores = cpuCores(requests!['cpu']!);
    expect(requestedCores / measuredCores, `cpu request ${requests!['cpu']} vs ${measuredCores} cores`).toBeGreaterThan(
      0.8,
    );
    expect(requestedCores / measuredCores, `cpu request ${requests!['cpu']} vs ${measuredCores} cores`).toBeLessThan(
      1.2,
    );
    // Memory: the request covers the highest peak RSS of the memory scenario (heap cap on), the
    // limit leaves room above it.
    const peakBytes = memoryPeakMb(benchmarkSection(BENCHMARKS, 'memory')) * 1e6;
    expect(memoryBytes(requests!['memory']!)).toBeGreaterThan(peakBytes);
    expect(memoryBytes(limits!['memory']!)).toBeGreaterThan(1.5 * peakBytes);
  });

  it('leaves the worker replica count to KEDA', () => {
    // A `replicas` in the Deployment would reset the fleet on every `kubectl apply -k`.
    expect(find('Deployment', 'ghl-sync-worker')['spec']).not.toHaveProperty('replicas');
    expect(find('Deployment', 'ghl-sync-api')['spec']).toHaveProperty('replicas');
  });

  it('scales the worker Deployment on the backlog metric ghl-sync exports, through Prometheus', () => {
    const spec = find('ScaledObject', 'ghl-sync-worker')['spec'] as {
      scaleTargetRef: { name: string };
      triggers: Array<{ type: string; metadata: Record<string, string> }>;
    };
    expect(spec.scaleTargetRef.name).toBe(find('Deployment', 'ghl-sync-worker').metadata.name);
    expect(spec.triggers).toHaveLength(1);
    expect(spec.triggers[0]!.type).toBe('prometheus');
    expect(spec.triggers[0]!.metadata['query']).toBe(
      'sum(max by (queue) (ghl_sync_queue_backlog{queue!="sync-maintenance"}))',
    );
  });

  it('covers each Deployment with a PodDisruptionBudget selecting its pods', () => {
    for (const name of ['ghl-sync-api', 'ghl-sync-worker']) {
      const deployment = find('Deployment', name)['spec'] as { selector: { matchLabels: Record<string, string> } };
      const pdb = find('PodDisruptionBudget', name)['spec'] as { selector: { matchLabels: Record<string, string> } };
      expect(pdb.selector.matchLabels).toEqual(deployment.selector.matchLabels);
    }
  });
});

/** A Kubernetes CPU quantity (`600m`, `1`, `1.5`) in cores. */
function cpuCores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** A Kubernetes memory quantity with a binary suffix (`192Mi`, `1Gi`) in bytes. */
function memoryBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * 1024 ** { Ki: 1, Mi: 2, Gi: 3 }[match[2] as 'Ki' | 'Mi' | 'Gi'];
}
