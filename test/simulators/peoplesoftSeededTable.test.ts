import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../simulators/peoplesoft/seededRandom';
import { compareKeys, SeededTable } from '../../simulators/peoplesoft/SeededTable';

const START = Date.UTC(2020, 0, 1);
const END = Date.UTC(2020, 0, 2);

function table(count: number): SeededTable {
  return new SeededTable({
    count,
    periodStartMs: START,
    periodEndMs: END,
    keyAt: (index) => String(1000 + index),
    indexOf: (key) => Number(key) - 1000,
    generate: (index, updatedMs) => ({ KEY: String(1000 + index), version: 0, updatedMs }),
  });
}

/** The same table kept as a plain sorted array: the oracle. */
function materialize(t: SeededTable): Array<{ key: string; updatedMs: number; row: Record<string, unknown> }> {
  return t
    .keys()
    .map((key) => ({ key, ...t.get(key)! }))
    .sort((a, b) => a.updatedMs - b.updatedMs || compareKeys(a.key, b.key));
}

describe('SeededTable', () => {
  it('answers every range and page like a materialized sorted table, across random changes', () => {
    const random = seededRandom(2024);
    const t = table(500);
    let nextKey = 1500;
    for (let round = 0; round < 40; round += 1) {
      // A change lands anywhere in (or around) the seeded period, sometimes on a seeded instant.
      const at = random() < 0.3 ? t.seededTime(Math.floor(random() * 500)) : START - 3_600_000 + Math.floor(random() * (END - START + 7_200_000));
      const key = random() < 0.2 ? String((nextKey += 1)) : String(1000 + Math.floor(random() * 500));
      t.put(key, { KEY: key, version: round + 1, updatedMs: at }, at);

      const oracle = materialize(t);
      for (let query = 0; query < 10; query += 1) {
        const a = START - 3_600_000 + Math.floor(random() * (END - START + 7_200_000));
        const b = a + Math.floor(random() * (END - START));
        const inRange = oracle.filter((entry) => entry.updatedMs >= a && entry.updatedMs < b);
        const offset = Math.floor(random() * (inRange.length + 5));
        const limit = 1 + Math.floor(random() * 60);
        const page = t.query(a, b, offset, limit);
        expect(page.total).toBe(inRange.length);
        expect(page.rows.map((entry) => entry.row)).toEqual(inRange.slice(offset, offset + limit).map((entry) => entry.row));
      }
    }
  });

  it('spreads seeded rows over the period in ascending order', () => {
    const t = table(1000);
    expect(t.seededTime(0)).toBe(START);
    for (let index = 1; index < 1000; index += 1) expect(t.seededTime(index)).toBeGreaterThanOrEqual(t.seededTime(index - 1));
    expect(t.seededTime(999)).toBeLessThan(END);
  });
});
