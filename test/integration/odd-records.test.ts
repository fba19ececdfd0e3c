import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRunErrors, listPages, type SyncRun } from '@ghl-sync/db';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';

const base = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  name: `Deal ${id}`,
  monetaryValue: 10,
  pipelineId: 'pl-odd',
  pipelineStageId: 'st-odd',
  status: 'open',
  contactId: `c-${id}`,
  locationId: 'set-below',
  contact: { id: `c-${id}`, name: 'Ann Lee', companyName: null, email: 'ann@example.com', phone: null, tags: ['vip'] },
  createdAt: '2025-03-09T07:30:00.123Z',
  updatedAt: '2025-03-10T10:00:00.000Z',
  customFields: [],
  ...over,
});

// #3 "Records as they really come": one page holding every oddity seen in real GHL data.
describe('records as they really come', () => {
  let stack: TestStack;
  let loc: string;
  let run: SyncRun;
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 31, locations: [{ opportunities: 0 }] } });
    loc = stack.sandbox.locations[0]!.id;
    const withLoc = (r: Record<string, unknown>) => ({ ...r, locationId: loc });
    const createdMs = Date.parse('2025-03-09T07:30:00.123Z');
    const t = (i: number) => new Date(createdMs - i * 1000).toISOString();
    const records = [
      base('oddMoneyMissing0001', { monetaryValue: undefined, createdAt: t(0) }),
      base('oddMoneyNull0000002', { monetaryValue: null, createdAt: t(1) }),
      base('oddMoneyZero0000003', { monetaryValue: 0, createdAt: t(2) }),
      base('oddMoneyFrac0000004', { monetaryValue: 1895.5, createdAt: t(3) }),
      base('oddMoneyString00005', { monetaryValue: '1500', createdAt: t(4) }),
      base('oddMoneyBig00000006', { monetaryValue: 12345678901.99, createdAt: t(5) }),
      base('oddMoneyAbc00000007', { monetaryValue: 'abc', createdAt: t(6) }),
      base('oddNoContact0000008', { contact: undefined, createdAt: t(7) }),
      base('oddUnicode000000009', { name: 'Café 🚀 Ünïcode', createdAt: t(8) }),
      base('oddNul0000000000010', { name: 'Null\u0000Byte', createdAt: t(9) }),
      base('oddSurrogate0000011', { customFields: [{ id: 'cf1', fieldValue: 'half \uD83D pair' }], createdAt: t(10) }),
      base('oddFollowers0000012', { followers: ['u1', 'u2'], indexVersion: 7, createdAt: t(11) }),
      // The same id twice: the later updatedAt wins wherever it stands...
      base('oddDup0000000000013', { name: 'newer', updatedAt: '2025-03-12T00:00:00.000Z', createdAt: t(12) }),
      base('oddDup0000000000013', { name: 'older', updatedAt: '2025-03-11T00:00:00.000Z', createdAt: t(12) }),
    ].map(withLoc);
    stack.sandbox.admin.setKnobs(loc, { pageRecords: records });
    // A worker process in America/Chicago writes; this process (and Postgres sessions in either zone) reads.
    stack.spawnWorkers(1, { TZ: 'America/Chicago' });
    run = await stack.sync(loc);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('stores every record, with exact money and counted problems', async () => {
    expect(run).toMatchObject({ status: 'completed', listed: 13, inserted: 13, duplicates: 1, failedPages: 0 });
    const { rows } = await stack.database.db.query<{ id: string; monetary_value: string | null }>(
      `SELECT id, monetary_value FROM ghl.opportunities WHERE id LIKE 'oddMoney%' ORDER BY id`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.monetary_value]))).toEqual({
      oddMoneyAbc00000007: null,
      oddMoneyBig00000006: '12345678901.99',
      oddMoneyFrac0000004: '1895.5',
      oddMoneyMissing0001: null,
      oddMoneyNull0000002: null,
      oddMoneyString00005: '1500',
      oddMoneyZero0000003: '0',
    });
    expect(typeof run.inserted).toBe('number');
    const [page] = await listPages(stack.database.db, run.id);
    expect(page).toMatchObject({ fetched: 14, duplicates: 1, inserted: 13, recordErrors: 4 });
  });

  it('sanitizes text, keeps the raw record and lets the later duplicate win', async () => {
    const { rows } = await stack.database.db.query<{
      id: string;
      name: string;
      custom_fields: unknown;
      raw: Record<string, unknown>;
      contact_id: string | null;
    }>(
      `SELECT id, name, custom_fields, raw, contact_id FROM ghl.opportunities WHERE id IN ('oddUnicode000000009','oddNul0000000000010','oddSurrogate0000011','oddFollowers0000012','oddDup0000000000013','oddNoContact0000008') ORDER BY id`,
    );
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId['oddUnicode000000009']!.name).toBe('Café 🚀 Ünïcode');
    expect(byId['oddNul0000000000010']!.name).toBe('NullByte');
    expect(byId['oddSurrogate0000011']!.custom_fields).toEqual([{ id: 'cf1', fieldValue: 'half \uFFFD pair' }]);
    expect(byId['oddFollowers0000012']!.raw).toMatchObject({ followers: ['u1', 'u2'], indexVersion: 7 });
    expect(byId['oddDup0000000000013']!.name).toBe('newer');
    expect(byId['oddNoContact0000008']!.contact_id).toBe('c-oddNoContact0000008');
    const contacts = await stack.database.db.query(`SELECT id FROM ghl.contacts WHERE id = 'c-oddNoContact0000008'`);
    expect(contacts.rowCount).toBe(0);
  });

  it('records every record-level problem in the run error table, and `runs show` lists them', async () => {
    const errors = await listRunErrors(stack.database.db, run.id);
    expect(errors.map((e) => [e.opportunityId, e.code]).sort()).toEqual([
      ['oddDup0000000000013', 'record_duplicate'],
      ['oddMoneyAbc00000007', 'record_invalid_amount'],
      ['oddNul0000000000010', 'record_sanitized_text'],
      ['oddSurrogate0000011', 'record_sanitized_text'],
    ]);
    const out = spawnSync(process.execPath, [CLI_BIN, 'runs', 'show', String(run.id)], {
      env: { ...process.env, ...stack.env },
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    for (const code of ['record_duplicate', 'record_invalid_amount', 'record_sanitized_text'])
      expect(out.stdout).toContain(code);
    expect(out.stdout).toContain('oddMoneyAbc00000007');
  });

  it('round-trips timestamps to the same instant in UTC and in America/Chicago', async () => {
    for (const zone of ['UTC', 'America/Chicago']) {
      const client = new pg.Client({ connectionString: stack.database.url });
      await client.connect();
      await client.query(`SET TIME ZONE '${zone}'`);
      const { rows } = await client.query<{ created_at: Date; text: string }>(
        `SELECT created_at, created_at::text AS text FROM ghl.opportunities WHERE id = 'oddMoneyMissing0001'`,
      );
      await client.end();
      expect(rows[0]!.created_at.toISOString()).toBe('2025-03-09T07:30:00.123Z');
      expect(rows[0]!.text).toBe(zone === 'UTC' ? '2025-03-09 07:30:00.123+00' : '2025-03-09 01:30:00.123-06');
    }
  });
});
