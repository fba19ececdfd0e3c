import { startThrowawayRedisCluster } from '../faults/support/throwaway-services.js';

// The cluster test set (vitest.cluster.config.ts): one throwaway 3-master Redis Cluster for every
// file of the set, named to the test kit through TEST_REDIS_CLUSTER_NODES (createTestRedis reads it
// at each call). Forks inherit this process's environment; the machine's Redis is not used.
export default async function setup(): Promise<() => Promise<void>> {
  const cluster = await startThrowawayRedisCluster({ masters: 3 });
  process.env['TEST_REDIS_CLUSTER_NODES'] = cluster.seeds;
  return async () => {
    delete process.env['TEST_REDIS_CLUSTER_NODES'];
    await cluster.stop();
  };
}
