import type { FieldValue } from './MarketoSimulator';

/** Longest value a string field takes (Marketo's `string` type is 255 characters). */
export const MAX_STRING_LENGTH = 255;

// ASCII only: Marketo rejects internationalised addresses in Sync Leads.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const EMAIL = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`);

/** Result of checking one field value: the value to store, or the 1001 message. */
export type FieldCheck =
  | { readonly ok: true; readonly value: FieldValue }
  | { readonly ok: false; readonly message: string };

/**
 * Checks a value against the field's type. Strings over 255 characters, non-scalar values and
 * (for email fields) anything but a syntactically valid ASCII address are invalid (1001).
 */
export function checkFieldValue(field: string, value: unknown, isEmail: boolean): FieldCheck {
  if (value === null) return { ok: true, value };
  if (typeof value === 'number' || typeof value === 'boolean') {
    return isEmail ? invalid(field, value, 'Email') : { ok: true, value };
  }
  if (typeof value !== 'string') return invalid(field, '[object]', isEmail ? 'Email' : 'String');
  if (value.length > MAX_STRING_LENGTH) {
    return { ok: false, message: `Value for field '${field}' exceeds ${MAX_STRING_LENGTH} characters` };
  }
  if (isEmail && value !== '' && (value.length > 254 || !EMAIL.test(value))) return invalid(field, value, 'Email');
  return { ok: true, value };
}

function invalid(field: string, value: unknown, type: string): FieldCheck {
  return { ok: false, message: `Invalid value '${String(value)}' for field '${field}'. Required of type '${type}'` };
}
