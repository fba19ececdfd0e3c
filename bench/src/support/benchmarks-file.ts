/**
 * BENCHMARKS.md keeps one current section per scenario. Each is wrapped in HTML comment markers
 * (invisible on GitHub) so a new run replaces its scenario's section in place instead of piling up
 * runs: the hand-written summary and history around the sections stay as they are.
 */

/** The marker opening a scenario's section. */
export function sectionStart(scenario: string): string {
  return `<!-- bench:${scenario} -->`;
}

/** The marker closing a scenario's section. */
export function sectionEnd(scenario: string): string {
  return `<!-- /bench:${scenario} -->`;
}

/**
 * Returns `markdown` with the scenario's section (markers included) replaced by `section`, or with
 * `section` appended at the end when the scenario has no section yet.
 * @param section the section's markdown, without markers (they are added here).
 * @throws Error when the file holds the scenario's start marker without its end marker, so a
 *   hand edit that lost a marker is reported instead of silently dropping the rest of the file.
 */
export function replaceScenarioSection(markdown: string, scenario: string, section: string): string {
  const start = sectionStart(scenario);
  const end = sectionEnd(scenario);
  const wrapped = `${start}\n${section.trim()}\n${end}`;
  const from = markdown.indexOf(start);
  if (from === -1) return `${markdown.trimEnd()}\n\n${wrapped}\n`;
  const to = markdown.indexOf(end, from);
  if (to === -1) throw new Error(`BENCHMARKS.md has "${start}" but no "${end}": fix the file by hand`);
  return markdown.slice(0, from) + wrapped + markdown.slice(to + end.length);
}
