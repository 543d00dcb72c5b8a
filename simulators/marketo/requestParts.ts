import { ResponseLevelError } from './ResponseLevelError';

/** Records per sync/delete call and values per filter (Lead Database APIs). */
export const MAX_RECORDS_PER_CALL = 300;

/** A record-level reason, as in `reasons[]` of a skipped result. */
export interface Reason {
  readonly code: string;
  readonly message: string;
}

/** A skipped record's result body (callers add `seq`/`id` where the endpoint has them). */
export interface Skipped {
  readonly status: 'skipped';
  readonly reasons: readonly Reason[];
}

export function skipped(code: string, message: string): Skipped {
  return { status: 'skipped', reasons: [{ code, message }] };
}

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body's `input` array: 701 when absent or empty, 1003 above 300 records. */
export function readInput(body: Readonly<Record<string, unknown>>): readonly unknown[] {
  const input = body['input'];
  if (!Array.isArray(input) || input.length === 0) throw new ResponseLevelError('701', "'input' cannot be blank");
  if (input.length > MAX_RECORDS_PER_CALL) {
    throw new ResponseLevelError(
      '1003',
      `Too many records in 'input': ${input.length}, the limit is ${MAX_RECORDS_PER_CALL}`,
    );
  }
  return input;
}

/** A string body option (e.g. `action`) checked against its allowed values, or its default. */
export function readChoice<T extends string>(
  body: Readonly<Record<string, unknown>>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = body[name];
  if (value === undefined || value === null) return fallback;
  const match = allowed.find((choice) => choice === value);
  if (match === undefined) throw new ResponseLevelError('1003', `Invalid ${name} '${String(value)}'`);
  return match;
}

/** `filterType` and the de-duplicated `filterValues` of a filtered read (701 / 1003). */
export function readFilter(params: URLSearchParams): {
  readonly filterType: string;
  readonly values: readonly string[];
} {
  const filterType = params.get('filterType') ?? '';
  if (filterType === '') throw new ResponseLevelError('701', "'filterType' cannot be blank");
  const values = [
    ...new Set(
      (params.get('filterValues') ?? '')
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== ''),
    ),
  ];
  if (values.length === 0) throw new ResponseLevelError('701', "'filterValues' cannot be blank");
  if (values.length > MAX_RECORDS_PER_CALL) {
    const message = `Too many filterValues: ${values.length}, the limit is ${MAX_RECORDS_PER_CALL}`;
    throw new ResponseLevelError('1003', message);
  }
  return { filterType, values };
}

/** The `fields` parameter (comma-separated), or `fallback` when absent; unknown names → 1006. */
export function readFieldList(
  params: URLSearchParams,
  known: ReadonlySet<string>,
  fallback: readonly string[],
): readonly string[] {
  const raw = params.get('fields');
  if (raw === null || raw.trim() === '') return fallback;
  const fields = raw
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');
  const unknown = fields.find((field) => !known.has(field));
  if (unknown !== undefined) throw new ResponseLevelError('1006', `Field '${unknown}' not found`);
  return fields;
}
