/**
 * Parses `OTEL_EXPORTER_OTLP_HEADERS` as the OpenTelemetry spec writes it: `key=value` pairs
 * separated by commas, each part percent-decoded, blanks ignored.
 * @returns the headers, `{}` for an unset or empty value.
 */
export function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = decodeURIComponent(pair.slice(0, at).trim());
    if (key !== '') headers[key] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}
