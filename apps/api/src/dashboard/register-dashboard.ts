import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import { DASHBOARD_PREFIX } from '../auth/route-access.js';

/** Options for {@link registerDashboard}. */
export interface DashboardOptions {
  /** Queues to show; `queues.all()`. */
  queues: Queue[];
  /** Hide the buttons that change jobs. @defaultValue true */
  readOnly?: boolean;
}

/**
 * Mounts Bull Board at `/admin/queues`. Its routes get no auth of their own: the app-wide hook
 * (see `installAdminAuth`) guards them like every non-public route, with Basic for browsers.
 */
export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PREFIX);
  const readOnlyMode = options.readOnly ?? true;
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode, allowRetries: !readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'ghl-sync' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PREFIX });
}
