/**
 * `1 page`, `2 pages`, `5,301 opportunities`: a count with its noun in the right number, the count
 * grouped by thousands (en-US).
 * @param many - the plural when it is not `singular + 's'` (`opportunity` → `opportunities`).
 */
export function plural(count: number, singular: string, many?: string): string {
  const noun =
    count === 1 ? singular : (many ?? (/[^aeiou]y$/.test(singular) ? `${singular.slice(0, -1)}ies` : `${singular}s`));
  return `${count.toLocaleString('en-US')} ${noun}`;
}
