import { z } from 'zod';

/**
 * The marketplace app's own events: `INSTALL` when the app is installed on a location or an agency,
 * `UNINSTALL` when it is removed. Shapes from GHL's webhook pages AppInstall / AppUninstall
 * (marketplace.gohighlevel.com/docs/webhook/AppInstall, …/AppUninstall; not in ghl-api.md):
 * INSTALL carries `appId`, `installType` (`Location` | `Company`), `locationId` (location
 * installs), `companyId`, `userId`, `companyName`…; UNINSTALL carries `appId` and `locationId`
 * (a location uninstall) or `companyId` (an agency uninstall). Both come with the envelope's
 * `timestamp` and `webhookId`, signed like the opportunity events (ghl-api.md §6.2).
 */
export const APP_WEBHOOK_TYPES = ['INSTALL', 'UNINSTALL'] as const;
export type AppWebhookType = (typeof APP_WEBHOOK_TYPES)[number];

/** True when a webhook's `type` is one of {@link APP_WEBHOOK_TYPES}. */
export function isAppWebhookType(type: unknown): type is AppWebhookType {
  return typeof type === 'string' && (APP_WEBHOOK_TYPES as readonly string[]).includes(type);
}

const id = z.string().min(1).max(200);

/**
 * An `INSTALL` or `UNINSTALL` event: the fields ghl-sync relies on; anything else passes through.
 * At least one of `locationId` and `companyId` is present.
 */
export const appWebhookEventSchema = z
  .looseObject({
    type: z.enum(APP_WEBHOOK_TYPES),
    appId: z.string().optional(),
    installType: z.string().optional(),
    locationId: id.optional(),
    companyId: id.optional(),
  })
  .refine((e) => e.locationId !== undefined || e.companyId !== undefined, {
    message: 'needs locationId or companyId',
  });
export type AppWebhookEvent = z.infer<typeof appWebhookEventSchema>;
