import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../shared/cli/format';
import { runCli } from '../support/runCli';

describe('demo --employees', () => {
  it.each(['0', '9', 'abc', '20x', '-5'])('refuses %s, naming the allowed range, before starting anything', async (value) => {
    const result = await runCli(['demo', '--employees', value]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`a whole number from 10 to 1000000, not "${value}"`);
    expect(result.out).not.toContain('simulator');
  });

  it('runs a small demo end to end', async () => {
    const result = await runCli(['demo', '--employees', '20']);
    expect(result.err).not.toContain('no employee');
    expect(result.code).toBe(0);
    expect(result.out).toContain('PeopleSoft hcm simulator: ');
    expect(result.out).toContain('PeopleSoft financials simulator: ');
    expect(result.out).toMatch(/terminated \d+, \d+; invalid e-mail on \d+/);
    // The incremental employees sync reads the 3 hires and the 7 changed employees (rehire if any).
    expect(result.out).toMatch(/== Incremental sync ==[\s\S]*flow employees-to-marketo .*\n.*\n  read +1[01]\n[\s\S]*rejected +1\n/);
  }, 60_000);
});

describe('progress on a stream that is not a terminal', () => {
  const recorder = (): { stream: { isTTY: boolean; write: (text: string) => boolean }; written: string[] } => {
    const written: string[] = [];
    return { stream: { isTTY: false, write: (text: string) => written.push(text) > 0 }, written };
  };

  it('writes plain lines, and ends with the final counts when it printed any', () => {
    let clock = 0;
    const { stream, written } = recorder();
    const progress = progressPrinter(stream, { intervalMs: 2000, now: () => clock });
    progress('written 0');
    clock = 2500;
    progress('written 300');
    clock = 2600;
    progress('written 8000');
    progress('');
    expect(written).toEqual(['written 300\n', 'written 8000\n']);
    expect(written.join('')).not.toContain('\r');
  });

  it('prints nothing for a run shorter than the interval, so no stale count precedes the summary', () => {
    let clock = 0;
    const { stream, written } = recorder();
    const progress = progressPrinter(stream, { intervalMs: 2000, now: () => clock });
    progress('written 0');
    clock = 800;
    progress('written 8');
    progress('');
    expect(written).toEqual([]);
  });
});
