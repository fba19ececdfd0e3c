import { memoryScenario } from './memory.js';
import { pgFailoverScenario } from './pg-failover.js';
import { rateLimitedLargeScenario, rateLimitedScenario } from './rate-limited.js';
import type { Scenario } from './scenario.js';
import { scaleOutScenario } from './scale-out.js';
import { seedBaselineScenario } from './seed-baseline.js';
import { sizingScenario } from './sizing.js';
import { throughputScenario } from './throughput.js';
import { webhooksScenario } from './webhooks.js';

/** Every scenario, in the order `all` runs them. */
export const SCENARIOS: Scenario[] = [
  rateLimitedScenario,
  rateLimitedLargeScenario,
  throughputScenario,
  memoryScenario,
  scaleOutScenario,
  pgFailoverScenario,
  seedBaselineScenario,
  sizingScenario,
  webhooksScenario,
];
