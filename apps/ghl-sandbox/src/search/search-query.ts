import type { SortDirection, SortKey } from '../data/record-view.js';

/**
 * Query parameters of `GET /opportunities/search`, names exactly as the spec spells them
 * (ghl-api.md §1.1 [C S1]): snake_case filters, camelCase for the rest.
 */
export const SEARCH_PARAMS = [
  'q',
  'location_id',
  'pipeline_id',
  'pipeline_stage_id',
  'contact_id',
  'status',
  'assigned_to',
  'campaignId',
  'id',
  'order',
  'endDate',
  'startAfter',
  'startAfterId',
  'date',
  'country',
  'page',
  'limit',
  'getTasks',
  'getNotes',
  'getCalendarEvents',
] as const;

const ALLOWED = new Set<string>(SEARCH_PARAMS);
const STATUSES = ['open', 'won', 'lost', 'abandoned', 'all'];
/** `order` values we serve. The v3 spec also lists name_asc/name_desc (ghl-api.md §1.1); not simulated. */
const ORDERS = ['added_asc', 'added_desc'];
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 20;

/** A validated search request. */
export interface SearchQuery {
  locationId: string;
  limit: number;
  /** `page` as sent (default 1); only echoed in meta, see run-search. */
  page: number;
  dir: SortDirection;
  /** The cursor, present only when both `startAfter` and `startAfterId` are sent. */
  cursor: SortKey | undefined;
  status: string | undefined;
  pipelineId: string | undefined;
  pipelineStageId: string | undefined;
  contactId: string | undefined;
  assignedTo: string | undefined;
  campaignId: string | undefined;
  id: string | undefined;
  q: string | undefined;
  /** Inclusive createdAt range in epoch ms from `date` / `endDate` (UTC days). */
  fromMs: number | undefined;
  toMs: number | undefined;
  getTasks: boolean;
  getNotes: boolean;
  getCalendarEvents: boolean;
  /** The raw parameters, in request order, for echoing into `nextPageUrl`. */
  raw: Array<[string, string]>;
}

/** Parses `mm-dd-yyyy` to the UTC start of that day, or undefined. */
function parseDay(text: string): number | undefined {
  const match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[3]), Number(match[1]) - 1, Number(match[2]));
  return new Date(ms).getUTCDate() === Number(match[2]) ? ms : undefined;
}

/**
 * Validates like the real NestJS whitelist pipe: every violation becomes one message and the
 * whole request is a 422 (ghl-api.md §1.1, §3). Messages for unknown params and a missing
 * location_id are quoted from reports [H S22, O S20]; the others use class-validator's default
 * wording (our inference).
 */
export function parseSearchQuery(query: Record<string, unknown>): { ok: SearchQuery } | { errors: string[] } {
  const errors: string[] = [];
  const raw: Array<[string, string]> = [];
  const value = (name: string): string | undefined => {
    const v = query[name];
    return v === undefined || v === '' ? undefined : (v as string);
  };
  for (const [name, v] of Object.entries(query)) {
    if (!ALLOWED.has(name)) errors.push(`property ${name} should not exist`);
    else if (typeof v !== 'string') errors.push(`${name} must be a string`);
    else raw.push([name, v]);
  }
  if (errors.length > 0) return { errors };
  const locationId = value('location_id');
  if (locationId === undefined) errors.push("location_id can't be undefined");
  let limit = DEFAULT_LIMIT;
  const limitText = value('limit');
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!Number.isInteger(limit)) errors.push('limit must be an integer number');
    else if (limit > MAX_LIMIT) errors.push(`limit must not be greater than ${MAX_LIMIT}`);
    else if (limit < 1) errors.push('limit must not be less than 1');
  }
  let page = 1;
  const pageText = value('page');
  if (pageText !== undefined) {
    page = Number(pageText);
    if (!Number.isInteger(page) || page < 1) errors.push('page must not be less than 1');
  }
  const status = value('status');
  if (status !== undefined && !STATUSES.includes(status))
    errors.push(`status must be one of the following values: ${STATUSES.join(', ')}`);
  const order = value('order');
  if (order !== undefined && !ORDERS.includes(order))
    errors.push(`order must be one of the following values: ${ORDERS.join(', ')}`);
  const startAfter = value('startAfter');
  if (startAfter !== undefined && !/^-?\d+$/.test(startAfter)) errors.push('startAfter must be a number string');
  const date = value('date');
  const fromMs = date === undefined ? undefined : parseDay(date);
  if (date !== undefined && fromMs === undefined) errors.push('date must be a valid date in mm-dd-yyyy format');
  const endDate = value('endDate');
  const endDay = endDate === undefined ? undefined : parseDay(endDate);
  if (endDate !== undefined && endDay === undefined) errors.push('endDate must be a valid date in mm-dd-yyyy format');
  for (const flag of ['getTasks', 'getNotes', 'getCalendarEvents']) {
    const v = value(flag);
    if (v !== undefined && v !== 'true' && v !== 'false') errors.push(`${flag} must be a boolean value`);
  }
  if (errors.length > 0 || locationId === undefined) return { errors };
  const startAfterId = value('startAfterId');
  return {
    ok: {
      locationId,
      limit,
      page,
      dir: order === 'added_asc' ? 'asc' : 'desc',
      // Faithful quirk (ghl-api.md §1.3 [O S19]): without BOTH cursor params the first page comes back.
      cursor:
        startAfter !== undefined && startAfterId !== undefined
          ? { ms: Number(startAfter), sid: startAfterId }
          : undefined,
      // An omitted status is treated like 'all' (undocumented default, ghl-api.md §7 #22 [I]).
      status: status === 'all' ? undefined : status,
      pipelineId: value('pipeline_id'),
      pipelineStageId: value('pipeline_stage_id'),
      contactId: value('contact_id'),
      assignedTo: value('assigned_to'),
      campaignId: value('campaignId'),
      id: value('id'),
      q: value('q'),
      fromMs,
      toMs: endDay === undefined ? undefined : endDay + 86_399_999,
      getTasks: value('getTasks') === 'true',
      getNotes: value('getNotes') === 'true',
      getCalendarEvents: value('getCalendarEvents') === 'true',
      raw,
    },
  };
}
