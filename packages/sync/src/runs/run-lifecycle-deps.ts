import type { Db } from '@ghl-sync/db';
import type { Queues } from '@ghl-sync/queues';
import type { SyncLogger } from '../sync-deps.js';

/**
 * What the run lifecycle needs: the database, the producer side of the coordinator and page queues,
 * a logger and the run deadline. The worker's `SyncDeps` fits, and so does what the API, the CLI and
 * the test kits hold, so every place that starts, resumes or ends a run shares one implementation.
 */
export interface RunLifecycleDeps {
  db: Db;
  queues: Pick<Queues, 'enqueueCoordinator' | 'enqueuePageFlow'>;
  logger: SyncLogger;
  /** How long a run may go on before recovery cancels it as `timed_out`, in ms (RUN_DEADLINE_MINUTES). */
  runDeadlineMs: number;
  /** Metrics hook when a run is closed, with its terminal status. */
  onRunFinished?: (status: string, drift?: number | null) => void;
  /**
   * Called once a run of the location is closed: the worker ends the location's sync in the rate
   * limiter, so webhook re-reads get the whole budget back at once instead of one interval later.
   * A failure is logged, not thrown: the limiter's mark lapses on its own.
   */
  onSyncEnded?: (locationId: string) => Promise<void>;
}
