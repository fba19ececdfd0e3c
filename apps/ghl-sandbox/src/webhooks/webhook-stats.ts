/** Delivery counters of the sandbox's webhooks since the last reset. */
export interface WebhookStats {
  /** Events produced by changes of subscribed locations (an update may produce several types). */
  emitted: number;
  /** HTTP attempts made (first attempts, duplicate copies and retries). */
  sent: number;
  /** Deliveries answered 2xx. */
  delivered: number;
  /** Events the `lossRate` setting dropped: never sent. */
  dropped: number;
  /** Events the `duplicateRate` setting sent a second time. */
  duplicated: number;
  /** Re-sends after a 429 (GHL retries nothing else, ghl-api.md §6.3). */
  retried: number;
  /** Deliveries given up: any answer but 2xx and 429, a timeout, a network error, or a 7th 429. */
  failed: number;
  /** Deliveries waiting for their time, for a slot or for an answer. */
  pending: number;
  /** Answers by status (`"200"`, `"429"` …), `"timeout"` and `"network"` for attempts without one. */
  byStatus: Record<string, number>;
}

/** Zeroed counters. */
export function emptyWebhookStats(): WebhookStats {
  return {
    emitted: 0,
    sent: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    retried: 0,
    failed: 0,
    pending: 0,
    byStatus: {},
  };
}
