/** The public keys an intake verifies GHL webhook signatures with (docs/reference/ghl-api.md §6.2). */
export interface WebhookKeys {
  /**
   * PEM (SPKI) of GHL's Ed25519 key, published in its Webhook Integration Guide, for the header
   * `x-ghl-signature`. Undefined = Ed25519 signatures cannot be verified (only `x-wh-signature` can).
   */
  ed25519PublicKeyPem?: string;
  /**
   * PEM (SPKI) of the RSA key for the legacy header `x-wh-signature` (RSA-SHA256, PKCS#1 v1.5);
   * GHL's is {@link GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM}.
   */
  rsaPublicKeyPem: string;
  /** Accept `x-wh-signature` when no `x-ghl-signature` is present (GHL is retiring the legacy header). */
  acceptLegacy: boolean;
}
