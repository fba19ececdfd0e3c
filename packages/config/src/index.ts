export { configSchema, configShape, type Config } from './config-schema.js';
export { loadConfig, describeConfig, processEnvironment } from './load-config.js';
export type { RedisClusterNode, RedisClusterTarget } from './redis-cluster-nodes.js';
