// Pure helpers of the console's recording page.
import { describe, expect, it } from 'vitest';
import { exportFileName, fromUtcField, holdProblem, toUtcField, utc } from '../../web/admin/src/logic/recording.js';

const T0 = Date.UTC(2026, 10, 30, 6, 33, 0);

describe('console recording helpers', () => {
  it('reads and writes UTC time fields', () => {
    expect(toUtcField(T0 + 59_000)).toBe('2026-11-30T06:33');
    expect(fromUtcField('2026-11-30T06:33')).toBe(T0);
    expect(fromUtcField('2026-11-30T06:33:20')).toBe(T0 + 20_000);
    for (const bad of ['', '2026-11-30', 'x', '2026-11-30T25:00']) expect(fromUtcField(bad), bad).toBeUndefined();
    expect(utc(T0)).toBe('2026-11-30 06:33 UTC');
  });

  it('says what a hold is missing', () => {
    expect(holdProblem(undefined, T0, 'case')).toMatch(/complete/);
    expect(holdProblem(T0, T0 - 1, 'case')).toMatch(/before the start/);
    expect(holdProblem(T0, T0, '  ')).toMatch(/reason/);
    expect(holdProblem(T0, T0 + 1, 'case 7')).toBeUndefined();
  });

  it('names an export file safely', () => {
    expect(exportFileName('bob', '2026-11-30T06:33:29.123Z')).toBe('loopcast-recordings-bob-2026-11-30T063329Z.json');
    expect(exportFileName('../a b', '2026-11-30T06:33:29Z')).toBe('loopcast-recordings-.._a_b-2026-11-30T063329Z.json');
  });
});
