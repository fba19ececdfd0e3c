/**
 * SQL condition: a webhook event of the opportunity `idExpr` of location `locationExpr` was
 * received (stored) and is not yet applied, so its record job is still coming and will bring the
 * row to GHL's current state on its own. What a run writes or tombstones under this condition is
 * not drift: the webhooks did not miss it, they had not got there yet (docs/webhooks.md). Read in
 * the writing statement's snapshot, so it holds across processes.
 */
export function pendingWebhookEventFor(locationExpr: string, idExpr: string): string {
  return `EXISTS (SELECT 1 FROM ghl.webhook_events e
    WHERE e.location_id = ${locationExpr} AND e.opportunity_id = ${idExpr}
      AND e.outcome = 'accepted' AND e.applied_at IS NULL)`;
}
