export {
  QUEUES,
  QUEUE_KEYS,
  type QueueSpec,
  type QueueCatalog,
  type QueueKey,
  type QueueName,
  type JobName,
  type JobData,
  type JobInput,
} from './queue-catalog.js';
export * from './job-schemas.js';
export { runKey } from './run-key.js';
export {
  bullPrefix,
  COMMAND_RECONNECT_ATTEMPTS,
  createRedisConnection,
  isCluster,
  redisTargetOf,
  type RedisClient,
  type RedisRole,
  type RedisTarget,
} from './redis-connection.js';
export { checkRedisAnswers, REDIS_START_CHECK_MS } from './check-redis.js';
export { deleteKeysUnder } from './delete-keys-under.js';
export { createQueues, type CreateQueuesOptions, type Queues, type TypedQueue } from './create-queues.js';
export { jobContext, type JobContext } from './job-context.js';
export { handleJobError, type HandleJobErrorOptions } from './handle-job-error.js';
export {
  createWorkers,
  type CreateWorkersOptions,
  type FinalFailure,
  type HandlerContext,
  type JobHandler,
  type WorkerHandlers,
  type Workers,
} from './create-workers.js';
export { createQueueTelemetry } from './queue-telemetry.js';
