export { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from './test-database.js';
export { createTestRedis, testRedisClusterNodes, TEST_REDIS_URL, type TestRedis } from './test-redis.js';
export {
  countByState,
  startBackendTerminator,
  type BackendState,
  type BackendTerminator,
  type BackendTerminatorOptions,
  type Termination,
} from './backend-terminator.js';
