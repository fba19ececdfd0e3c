export { QUEUE_NAMES, type QueueKey, type QueueName } from './queue-names.js';
export * from './job-schemas.js';
export { jobIds, runKey } from './job-ids.js';
export { DEFAULT_JOB_OPTIONS, CONCURRENCY_HINTS } from './default-job-options.js';
export { createRedisConnection, type RedisRole } from './redis-connection.js';
export { createQueues, type CreateQueuesOptions, type Queues } from './create-queues.js';
