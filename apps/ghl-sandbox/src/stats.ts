/** Per-location request counters, as returned by the admin `stats` operation. */
export interface LocationStats {
  /** Requests attributed to the location (a valid or expired token of it, on a location-scoped endpoint). */
  requests: number;
  /** Requests admitted by the rate limiter (they consumed burst and daily budget). */
  accepted: number;
  /** Requests answered 429, by the limiter or by the `forceStatus` knob. */
  rejected429: number;
  /** Max accepted requests in any sliding `rateLimitIntervalMs` window since the last reset. */
  maxInAnyWindow: number;
  /** `GET /opportunities/{id}` requests admitted for this location (found or not). */
  getOpportunityCalls: number;
  /**
   * Most `GET /opportunities/{id}` requests admitted and not yet answered at one moment since the
   * last reset: how many a client had in flight at once (1 = it waited for each answer).
   */
  maxGetOpportunityInFlight: number;
  /** `POST /oauth/token` calls with a refresh token issued for this location (valid or not). */
  refreshCalls: number;
  /** Refreshes that sent a refresh token already spent (a client that resent a single-use token). */
  refreshReused: number;
  /** Refreshes processed whose answer was dropped or came after the client had gone (knobs). */
  refreshAnswersLost: number;
  /** `POST /oauth/reconnect` calls for this location, answered or refused. */
  reconnectCalls: number;
  /** Authorization codes of this location exchanged at `POST /oauth/token`. */
  codeExchanges: number;
  /** `POST /oauth/locationToken` mints for this location. */
  locationTokenMints: number;
  /** Answers by HTTP status (`"200"`, `"429"` …); hung requests count under `"hang"`. */
  byStatus: Record<string, number>;
}

/**
 * Most acceptance times {@link StatsCounter} keeps between resets: a bench's timeline needs a few
 * thousand, and a long-running sandbox must not grow without bound (8 bytes each: 800 KB).
 */
export const MAX_ACCEPTED_TIMES = 100_000;

/** Mutable counters behind {@link LocationStats}. */
export class StatsCounter {
  requests = 0;
  accepted = 0;
  /** Epoch ms of each accepted request since the last reset, in order (the first {@link MAX_ACCEPTED_TIMES}). */
  acceptedAt: number[] = [];
  rejected429 = 0;
  getOpportunityCalls = 0;
  /** `GET /opportunities/{id}` requests admitted and not yet answered (not reset: they are still in flight). */
  getOpportunityInFlight = 0;
  maxGetOpportunityInFlight = 0;
  refreshCalls = 0;
  refreshReused = 0;
  refreshAnswersLost = 0;
  reconnectCalls = 0;
  codeExchanges = 0;
  locationTokenMints = 0;
  byStatus: Record<string, number> = {};

  /** Counts one answer with `status` (a number, or `"hang"`). */
  answered(status: number | 'hang'): void {
    const key = String(status);
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    if (status === 429) this.rejected429 += 1;
  }

  /** Counts one request the limits admitted, at `nowMs` (epoch ms). */
  accept(nowMs: number): void {
    this.accepted += 1;
    if (this.acceptedAt.length < MAX_ACCEPTED_TIMES) this.acceptedAt.push(nowMs);
  }

  /** Counts one admitted `GET /opportunities/{id}` as in flight until {@link getOpportunityAnswered}. */
  getOpportunityStarted(): void {
    this.getOpportunityCalls += 1;
    this.getOpportunityInFlight += 1;
    this.maxGetOpportunityInFlight = Math.max(this.maxGetOpportunityInFlight, this.getOpportunityInFlight);
  }

  /** Ends one admitted `GET /opportunities/{id}` (answered, whatever the status). */
  getOpportunityAnswered(): void {
    this.getOpportunityInFlight -= 1;
  }

  /** Zeroes every counter. */
  reset(): void {
    this.requests = 0;
    this.accepted = 0;
    this.acceptedAt = [];
    this.rejected429 = 0;
    this.getOpportunityCalls = 0;
    this.maxGetOpportunityInFlight = this.getOpportunityInFlight;
    this.refreshCalls = 0;
    this.refreshReused = 0;
    this.refreshAnswersLost = 0;
    this.reconnectCalls = 0;
    this.codeExchanges = 0;
    this.locationTokenMints = 0;
    this.byStatus = {};
  }
}
