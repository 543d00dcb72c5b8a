import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { customerConfigSchema } from '../../shared/config';

describe('config JSON Schema', () => {
  it('is current: docs/customer-config.schema.json matches the zod schema (run npm run schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../docs/customer-config.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const { title: _title, ...rest } = committed;
    expect(rest).toEqual(JSON.parse(JSON.stringify(z.toJSONSchema(customerConfigSchema, { io: 'input', unrepresentable: 'any' }))));
    expect(JSON.stringify(committed)).toContain('"additionalProperties":false');
  });
});
