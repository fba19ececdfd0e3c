import { runApiProcess } from './run-api-process.js';

await runApiProcess();
