import { CronExpressionParser } from 'cron-parser';
import { GhlSyncError } from '@ghl-sync/errors';

/**
 * Checks a schedule before anything stores it: a cron pattern BullMQ's job scheduler accepts
 * (cron-parser, the parser BullMQ uses) and an IANA time zone.
 * @returns the next fire time, for messages.
 * @throws GhlSyncError `invalid_argument` naming every problem.
 */
export function validateSchedule(pattern: string, timeZone: string): Date {
  const problems: string[] = [];
  const zone = timeZoneProblem(timeZone);
  if (zone) problems.push(zone);
  let next: Date | undefined;
  try {
    next = CronExpressionParser.parse(pattern, { tz: problems.length ? 'UTC' : timeZone })
      .next()
      .toDate();
  } catch (err) {
    problems.push(`schedule "${pattern}" is not a cron pattern: ${(err as Error).message}`);
  }
  if (problems.length || !next)
    throw new GhlSyncError('invalid_argument', problems.join('; '), { details: { problems } });
  return next;
}

/**
 * Checks an IANA time zone alone (a zone changed without a schedule).
 * @throws GhlSyncError `invalid_argument`, as {@link validateSchedule} words it.
 */
export function validateTimeZone(timeZone: string): void {
  const problem = timeZoneProblem(timeZone);
  if (problem) throw new GhlSyncError('invalid_argument', problem, { details: { problems: [problem] } });
}

function timeZoneProblem(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
    return undefined;
  } catch {
    return `time zone "${timeZone}" is not an IANA zone (e.g. UTC, America/Chicago)`;
  }
}
