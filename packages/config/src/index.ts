export { configSchema, configShape, type Config } from './config-schema.js';
export { loadConfig, describeConfig, processEnvironment } from './load-config.js';
