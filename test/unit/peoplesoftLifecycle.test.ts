import { describe, expect, it } from 'vitest';
import { customerConfigSchema } from '../../shared/config/schema';
import type { LifecycleRules } from '../../shared/config/schema';
import { deriveLifecycle } from '../../shared/peoplesoft';
import type { DerivedLifecycle } from '../../shared/peoplesoft';

/** The lifecycle rules a config gets when it declares `lifecycle: {}`. */
const defaultRules: LifecycleRules = customerConfigSchema.shape.peoplesoft.parse({
  baseUrl: 'https://hr.example.com',
  node: 'PSFT_HR',
  auth: { kind: 'basic', secret: 'peoplesoft' },
  entities: { employees: { operation: 'ML_EMPLOYEES_GET', keyFields: ['EMPLID'], lifecycle: {} } },
}).entities.employees!.lifecycle!;

describe('deriveLifecycle with the default rules', () => {
  const cases: ReadonlyArray<[string, Record<string, unknown>, DerivedLifecycle]> = [
    ['an active hire is a hire', { EMPL_STATUS: 'A', ACTION: 'HIR' }, { operation: 'upsert', lifecycle: 'hire' }],
    ['a rehire is a rehire', { EMPL_STATUS: 'A', ACTION: 'REH' }, { operation: 'upsert', lifecycle: 'rehire' }],
    ['a transfer is a transfer', { EMPL_STATUS: 'A', ACTION: 'XFR' }, { operation: 'upsert', lifecycle: 'transfer' }],
    ['a promotion is a transfer', { EMPL_STATUS: 'A', ACTION: 'PRO' }, { operation: 'upsert', lifecycle: 'transfer' }],
    ['a data change is a transfer', { EMPL_STATUS: 'A', ACTION: 'DTA' }, { operation: 'upsert', lifecycle: 'transfer' }],
    ['a pay rate change is a change', { EMPL_STATUS: 'A', ACTION: 'PAY' }, { operation: 'upsert', lifecycle: 'change' }],
    ['no action is a change', { EMPL_STATUS: 'A' }, { operation: 'upsert', lifecycle: 'change' }],
    ['a terminated status deactivates', { EMPL_STATUS: 'T', ACTION: 'TER' }, { operation: 'deactivate', lifecycle: 'termination' }],
    ['status wins over action', { EMPL_STATUS: 'T', ACTION: 'HIR' }, { operation: 'deactivate', lifecycle: 'termination' }],
    ['a retired status deactivates', { EMPL_STATUS: 'R', ACTION: 'RET' }, { operation: 'deactivate', lifecycle: 'termination' }],
    ['a deceased status deactivates', { EMPL_STATUS: 'D' }, { operation: 'deactivate', lifecycle: 'termination' }],
    ['CHAR padding is ignored', { EMPL_STATUS: 'T ', ACTION: 'TER ' }, { operation: 'deactivate', lifecycle: 'termination' }],
    ['padded actions still match', { EMPL_STATUS: 'A', ACTION: 'REH ' }, { operation: 'upsert', lifecycle: 'rehire' }],
    ['a leave of absence stays active', { EMPL_STATUS: 'L', ACTION: 'LOA' }, { operation: 'upsert', lifecycle: 'change' }],
  ];

  it.each(cases)('%s', (_, record, expected) => {
    expect(deriveLifecycle(record, defaultRules)).toEqual(expected);
  });
});

describe('deriveLifecycle with other rules', () => {
  it('upserts without a lifecycle when the entity declares no rules', () => {
    expect(deriveLifecycle({ EMPL_STATUS: 'T', ACTION: 'TER' }, undefined)).toEqual({ operation: 'upsert' });
  });

  it('reads the fields and values the customer declares', () => {
    const rules: LifecycleRules = { ...defaultRules, statusField: 'HR_STATUS', inactiveValues: ['I'], actionField: 'LAST_ACTION' };
    expect(deriveLifecycle({ HR_STATUS: 'I', EMPL_STATUS: 'A' }, rules)).toEqual({ operation: 'deactivate', lifecycle: 'termination' });
    expect(deriveLifecycle({ HR_STATUS: 'A', EMPL_STATUS: 'T', LAST_ACTION: 'HIR' }, rules)).toEqual({
      operation: 'upsert',
      lifecycle: 'hire',
    });
  });
});
