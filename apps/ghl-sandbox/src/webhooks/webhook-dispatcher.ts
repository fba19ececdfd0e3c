import { randomUUID } from 'node:crypto';
import { signEd25519, signRsaSha256 } from '@ghl-sync/webhooks';
import { hash32, Prng } from '../data/prng.js';
import type { StoreChange } from '../data/store-change.js';
import type { SandboxLogger } from '../sandbox-options.js';
import { opportunityEventsOf } from './opportunity-events.js';
import { generateWebhookKeyPairs, type WebhookKeyPairs, type WebhookPublicKeys } from './webhook-key-pairs.js';
import { defaultWebhookSettings, mergeWebhookSettings, type WebhookSettings } from './webhook-settings.js';
import { emptyWebhookStats, type WebhookStats } from './webhook-stats.js';

/** GHL retries a delivery answered 429 up to 6 times, ~10 min apart plus jitter (ghl-api.md §6.3). */
export const GHL_WEBHOOK_MAX_RETRIES = 6;
/** The interval between GHL's 429 retries, before `timeScale` (ghl-api.md §6.3). */
export const GHL_WEBHOOK_RETRY_INTERVAL_MS = 600_000;
// "+ jitter" is all §6.3 says; up to a tenth of the interval is our choice.
const RETRY_JITTER = 0.1;

/** Options of {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  /** Seeds the loss / duplicate / order / jitter draws, so a run repeats. */
  seed: number;
  /** Bits of the sandbox's RSA key (GHL's has 4096; tests may take 2048 to save CPU). */
  rsaModulusLength: number;
  logger: SandboxLogger;
}

interface Delivery {
  url: string;
  raw: Buffer;
  webhookId: string;
  /** Signature headers, made once at the first attempt and re-sent unchanged. */
  headers?: Record<string, string>;
  retries: number;
  /** Send a copy once the first attempt is answered. */
  duplicate: boolean;
}

/**
 * Sends the sandbox's changes as GHL sends webhooks: one signed POST per `Opportunity*` event
 * (ghl-api.md §6.1), both signature headers over the exact body bytes (§6.2), retried only after a
 * 429 (§6.3); every other failure is final and the event is lost. Loss, duplicates, reordering
 * and delay are settings ({@link WebhookSettings}).
 */
export class WebhookDispatcher {
  private settingsValue = defaultWebhookSettings();
  private statsValue = emptyWebhookStats();
  private keys: Promise<WebhookKeyPairs> | undefined;
  private readonly prng: Prng;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private readonly ready: Delivery[] = [];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.prng = new Prng(hash32(options.seed, 0x3eb));
  }

  get settings(): WebhookSettings {
    return structuredClone(this.settingsValue);
  }

  /** Partial merge (validated); turning a URL on starts generating the keys. */
  setSettings(patch: unknown): WebhookSettings {
    this.settingsValue = mergeWebhookSettings(this.settingsValue, patch);
    if (this.settingsValue.url !== null) void this.keyPairs().catch(() => undefined);
    return this.settings;
  }

  /** Back to no URL and no faults. Deliveries already scheduled still go out. */
  resetSettings(): WebhookSettings {
    this.settingsValue = defaultWebhookSettings();
    return this.settings;
  }

  get stats(): WebhookStats {
    return { ...this.statsValue, byStatus: { ...this.statsValue.byStatus } };
  }

  /** Zeroes the counters except `pending`, which counts deliveries still under way. */
  resetStats(): void {
    this.statsValue = { ...emptyWebhookStats(), pending: this.statsValue.pending };
  }

  /** The public keys a receiver verifies with (generated on first use). */
  async publicKeys(): Promise<WebhookPublicKeys> {
    const keys = await this.keyPairs();
    return { ed25519PublicKeyPem: keys.ed25519.publicKeyPem, rsaPublicKeyPem: keys.rsa.publicKeyPem };
  }

  /** Resolves once no delivery is scheduled, waiting or in flight. */
  idle(): Promise<void> {
    if (this.statsValue.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Turns one change of `locationId` into its events and schedules their delivery. */
  emit(locationId: string, change: StoreChange): void {
    this.send(locationId, opportunityEventsOf(change));
  }

  /**
   * Sends one of the app's own events (`INSTALL` / `UNINSTALL`) with the same signatures, faults
   * and delivery rules as the opportunity events; `locationIds` filters it by its `locationId`.
   */
  emitApp(body: Record<string, unknown> & { type: 'INSTALL' | 'UNINSTALL' }): void {
    this.send(typeof body['locationId'] === 'string' ? body['locationId'] : null, [body]);
  }

  private send(locationId: string | null, bodies: object[]): void {
    const s = this.settingsValue;
    if (this.closed || s.url === null) return;
    if (locationId !== null && s.locationIds !== null && !s.locationIds.includes(locationId)) return;
    const timestamp = new Date().toISOString();
    for (const body of bodies) {
      this.statsValue.emitted += 1;
      if (this.prng.chance(s.lossRate)) {
        this.statsValue.dropped += 1;
        continue;
      }
      const webhookId = randomUUID();
      const raw = Buffer.from(JSON.stringify({ ...body, timestamp, webhookId }));
      const duplicate = this.prng.chance(s.duplicateRate);
      if (duplicate) this.statsValue.duplicated += 1;
      let waitMs = s.delayMs + this.prng.next() * s.delayJitterMs;
      if (this.prng.chance(s.outOfOrderRate)) waitMs += s.outOfOrderHoldMs;
      this.statsValue.pending += 1;
      this.schedule({ url: s.url, raw, webhookId, retries: 0, duplicate }, waitMs);
    }
  }

  /** Cancels every scheduled and in-flight delivery. Idempotent. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.controllers) controller.abort();
    this.ready.length = 0;
    this.statsValue.pending = 0;
    this.wakeIdle();
  }

  private keyPairs(): Promise<WebhookKeyPairs> {
    this.keys ??= generateWebhookKeyPairs(this.options.rsaModulusLength);
    return this.keys;
  }

  private schedule(delivery: Delivery, waitMs: number): void {
    if (waitMs <= 0) {
      this.ready.push(delivery);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.push(delivery);
      this.pump();
    }, waitMs);
    this.timers.add(timer);
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.settingsValue.maxConcurrent && this.ready.length > 0) {
      const delivery = this.ready.shift() as Delivery;
      this.inFlight += 1;
      void this.attempt(delivery).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const outcome = await this.post(delivery);
    if (this.closed) return;
    if (delivery.duplicate) {
      delivery.duplicate = false;
      this.statsValue.pending += 1;
      this.schedule({ ...delivery, retries: 0 }, 0);
    }
    if (outcome === 'delivered') {
      this.statsValue.delivered += 1;
    } else if (outcome === 'retry' && delivery.retries < GHL_WEBHOOK_MAX_RETRIES) {
      delivery.retries += 1;
      this.statsValue.retried += 1;
      const intervalMs = GHL_WEBHOOK_RETRY_INTERVAL_MS * this.settingsValue.timeScale;
      this.schedule(delivery, intervalMs * (1 + this.prng.next() * RETRY_JITTER));
      return;
    } else {
      this.statsValue.failed += 1;
      this.options.logger.debug(
        { webhookId: delivery.webhookId, retries: delivery.retries },
        'sandbox webhook delivery failed for good',
      );
    }
    this.statsValue.pending -= 1;
    if (this.statsValue.pending === 0) this.wakeIdle();
  }

  private async post(delivery: Delivery): Promise<'delivered' | 'retry' | 'failed'> {
    const controller = new AbortController();
    this.controllers.add(controller);
    try {
      delivery.headers ??= await this.sign(delivery.raw);
      if (this.closed) return 'failed';
      this.statsValue.sent += 1;
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.raw,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(this.settingsValue.timeoutMs)]),
      });
      // Drain the answer so the connection returns to the pool.
      await response.arrayBuffer().catch(() => undefined);
      this.count(String(response.status));
      if (response.status >= 200 && response.status < 300) return 'delivered';
      return response.status === 429 ? 'retry' : 'failed';
    } catch (error) {
      this.count((error as Error).name === 'TimeoutError' ? 'timeout' : 'network');
      return 'failed';
    } finally {
      this.controllers.delete(controller);
    }
  }

  private async sign(raw: Buffer): Promise<Record<string, string>> {
    const keys = await this.keyPairs();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-ghl-signature': signEd25519(raw, keys.signing.ed25519),
    };
    if (this.settingsValue.legacySignature) headers['x-wh-signature'] = signRsaSha256(raw, keys.signing.rsa);
    return headers;
  }

  private count(status: string): void {
    this.statsValue.byStatus[status] = (this.statsValue.byStatus[status] ?? 0) + 1;
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
