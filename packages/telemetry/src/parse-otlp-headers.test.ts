import { describe, expect, it } from 'vitest';
import { parseOtlpHeaders } from './parse-otlp-headers.js';

describe('parseOtlpHeaders', () => {
  it('reads comma-separated key=value pairs, percent-decoded, and skips blanks', () => {
    expect(parseOtlpHeaders('api-key=abc%3D%3D, x-team = sync ,,=orphan,novalue')).toEqual({
      'api-key': 'abc==',
      'x-team': 'sync',
    });
  });
  it('is empty for an unset or empty value', () => {
    expect(parseOtlpHeaders(undefined)).toEqual({});
    expect(parseOtlpHeaders('')).toEqual({});
  });
});
