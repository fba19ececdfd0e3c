export { installGracefulShutdown, type Closer, type GracefulShutdownOptions } from './graceful-shutdown.js';
