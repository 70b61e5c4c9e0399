import { describe, expect, it } from 'vitest';
import {
  drillStartedAt,
  drillTableName,
  drillTags,
  drillTimestamp,
  isStaleDrillTable,
  mayDeleteDrillTable,
  MAX_TABLE_NAME_LENGTH,
  parseDrillTimestamp,
} from '../../../functions/core/drill/names.ts';
import { TABLE_NAME_PATTERN } from '../../../functions/core/desired/schema.ts';

const NOW = new Date('2026-12-01T08:11:44.123Z');
const HOUR = 3_600_000;
const TAGGED = { 'tablewarden:drill': 'true' };

describe('drill copy names', () => {
  it('is tw-drill-<table>-<yyyymmddThhmmssZ>', () => {
    // Prepare / Act
    const name = drillTableName('Customers', NOW);
    // Assess
    expect(name).toBe('tw-drill-Customers-20261201T081144Z');
    expect(drillTimestamp(NOW)).toBe('20261201T081144Z');
    expect(parseDrillTimestamp('20261201T081144Z')?.toISOString()).toBe('2026-12-01T08:11:44.000Z');
  });

  it.each([
    ['exactly fits', 'a'.repeat(MAX_TABLE_NAME_LENGTH - 26)],
    ['one over', 'a'.repeat(MAX_TABLE_NAME_LENGTH - 25)],
    ['the longest table name', 'b'.repeat(MAX_TABLE_NAME_LENGTH)],
  ])('stays within 255 characters and valid (%s)', (_case, table) => {
    // Prepare / Act
    const name = drillTableName(table, NOW);
    // Assess
    expect(name.length).toBeLessThanOrEqual(MAX_TABLE_NAME_LENGTH);
    expect(name).toMatch(TABLE_NAME_PATTERN);
    expect(name.endsWith('-20261201T081144Z')).toBe(true);
    expect(drillTableName(table, NOW)).toBe(name);
  });

  it('keeps two long names with the same start apart (deterministic hash of the full name)', () => {
    // Prepare
    const a = `${'x'.repeat(240)}-orders`;
    const b = `${'x'.repeat(240)}-refunds`;
    // Act
    const [nameA, nameB] = [drillTableName(a, NOW), drillTableName(b, NOW)];
    // Assess
    expect(nameA).not.toBe(nameB);
    expect(nameA.length).toBe(MAX_TABLE_NAME_LENGTH);
  });

  it('tags the copy with the drill marker, its source, its table and its start', () => {
    // Prepare / Act
    const tags = drillTags('Customers', { kind: 'dynamodb-backup', id: 'arn:aws:dynamodb:us-east-1:123456789012:table/Customers/backup/01' }, NOW);
    // Assess
    expect(tags).toEqual({
      'tablewarden:drill': 'true',
      'tablewarden:drill-source': 'dynamodb-backup:arn:aws:dynamodb:us-east-1:123456789012:table/Customers/backup/01',
      'tablewarden:drill-of': 'Customers',
      'tablewarden:drill-started': '2026-12-01T08:11:44.123Z',
    });
  });
});

describe('the cleanup guard', () => {
  it.each([
    ['named and tagged', 'tw-drill-Customers-20261201T081144Z', TAGGED, true],
    ['named, not tagged', 'tw-drill-x', {}, false],
    ['named, tag false', 'tw-drill-x', { 'tablewarden:drill': 'false' }, false],
    ['tagged, not named', 'Customers', TAGGED, false],
    ['prefix in the middle', 'prod-tw-drill-x', TAGGED, false],
    ['case differs', 'TW-DRILL-x', TAGGED, false],
  ])('%s → %s', (_case, name, tags, allowed) => {
    // Prepare / Act
    const decision = mayDeleteDrillTable(name, tags);
    // Assess
    expect(decision.allowed).toBe(allowed);
    if (!decision.allowed) expect(decision.reason).toMatch(/^refused to delete /);
  });
});

describe('the sweep rule', () => {
  it.each([
    ['older than a day by its tag', { name: 'tw-drill-a-20261201T081144Z', tags: { ...TAGGED, 'tablewarden:drill-started': new Date(NOW.getTime() - 25 * HOUR).toISOString() } }, true],
    ['younger than a day by its tag (the tag wins over the name)', { name: 'tw-drill-a-20201201T081144Z', tags: { ...TAGGED, 'tablewarden:drill-started': new Date(NOW.getTime() - 23 * HOUR).toISOString() } }, false],
    ['old by its name', { name: 'tw-drill-a-20261130T071144Z', tags: TAGGED }, true],
    ['old by CreationDateTime only', { name: 'tw-drill-adhoc', tags: TAGGED, createdAt: new Date(NOW.getTime() - 48 * HOUR).toISOString() }, true],
    ['age unknown: left alone', { name: 'tw-drill-adhoc', tags: TAGGED }, false],
    ['old but not tagged', { name: 'tw-drill-a-20201201T081144Z', tags: {} }, false],
    ['old, tagged, wrong name', { name: 'Customers', tags: TAGGED, createdAt: '2020-01-01T00:00:00Z' }, false],
  ])('%s', (_case, candidate, stale) => {
    // Prepare / Act
    const result = isStaleDrillTable(candidate, NOW);
    // Assess
    expect(result).toBe(stale);
  });

  it('reads the start from the tag, then the name, then CreationDateTime', () => {
    // Prepare / Act / Assess
    expect(drillStartedAt({ name: 'tw-drill-a-20261130T071144Z', tags: {} })?.toISOString()).toBe('2026-11-30T07:11:44.000Z');
    expect(drillStartedAt({ name: 'tw-drill-a', tags: {}, createdAt: '2026-11-01T00:00:00Z' })?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });
});
