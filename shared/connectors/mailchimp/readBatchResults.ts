import { z } from 'zod';
import { ItemOutcome, TargetAction, type ItemResult, type TargetItem } from '../TargetConnector';
import { subscriberHash } from './subscriberHash';

const memberSchema = z.looseObject({ email_address: z.string(), status: z.string().optional(), id: z.string().optional() });
const errorSchema = z.looseObject({
  email_address: z.string().optional(),
  error: z.string().optional(),
  error_code: z.string().optional(),
  field: z.string().optional(),
  field_message: z.string().optional(),
});

/** The answer of `POST /lists/{list_id}` (batch subscribe or unsubscribe). */
export const batchResponseSchema = z.looseObject({
  new_members: z.array(z.unknown()).default([]),
  updated_members: z.array(z.unknown()).default([]),
  errors: z.array(z.unknown()).default([]),
});

/** Audit notes for existing members whose status an upsert left as Mailchimp holds it. */
export const keptReasons: Readonly<Record<string, string>> = {
  unsubscribed: 'kept unsubscribed (compliance)',
  cleaned: 'kept cleaned (compliance)',
};

/** Mailchimp's per-member refusals that are about the address's history, not the data. */
const FORGOTTEN = /permanently deleted|forgotten/i;
const COMPLIANCE = /compliance state/i;
/** Anti-abuse throttle ("signed up to a lot of lists very recently"): try again much later. */
const THROTTLED = /a lot of lists|too many recent signup/i;

/**
 * One result per item from a batch answer, matched by lower-cased e-mail address (the answer
 * holds no input index). For an upsert: `new_members` are created, `updated_members` updated, with
 * a "kept unsubscribed (compliance)" or "kept cleaned (compliance)" note when the member's status
 * in the answer says Mailchimp kept it so (the upsert sends only `status_if_new`).
 * For a delete (unsubscribe): `updated_members` are deleted; `new_members` were not in the
 * audience (they are now on record as unsubscribed). Per-member `errors[]`: a permanently deleted
 * ("forgotten") address is not re-added (`not-found`, audited), the anti-abuse throttle and a
 * compliance refusal on an upsert retry, every other
 * error rejects the record with Mailchimp's reason. A member missing from the answer retries.
 */
export function readBatchResults(
  body: Record<string, unknown>,
  items: readonly TargetItem[],
  action: TargetAction,
): ItemResult[] {
  const parsed = batchResponseSchema.safeParse(body);
  const answer = parsed.success ? parsed.data : { new_members: [], updated_members: [], errors: [] };
  const created = membersByEmail(answer.new_members);
  const updated = membersByEmail(answer.updated_members);
  const errors = new Map<string, z.infer<typeof errorSchema>>();
  for (const raw of answer.errors) {
    const entry = errorSchema.safeParse(raw);
    if (entry.success && entry.data.email_address) errors.set(entry.data.email_address.toLowerCase(), entry.data);
  }

  return items.map((item): ItemResult => {
    const email = item.key.toLowerCase();
    const targetId = subscriberHash(email);
    const base = { ref: item.ref, targetId };
    const error = errors.get(email);
    if (error) {
      const message = [error.error, error.field && error.field_message ? `${error.field}: ${error.field_message}` : undefined]
        .filter((part): part is string => typeof part === 'string' && part !== '')
        .join(' — ') || 'refused without a reason';
      const reason = { ...(error.error_code ? { code: error.error_code } : {}), message };
      if (FORGOTTEN.test(message)) {
        return { ...base, outcome: ItemOutcome.NotFound, note: `permanently deleted in Mailchimp (forgotten): not re-added — ${message}` };
      }
      if (COMPLIANCE.test(message)) {
        return action === TargetAction.Delete
          ? { ...base, outcome: ItemOutcome.NotFound, note: `already receives no mail: ${message}` }
          : { ...base, outcome: ItemOutcome.Retry, reason };
      }
      if (THROTTLED.test(message)) return { ...base, outcome: ItemOutcome.Retry, reason };
      return { ...base, outcome: ItemOutcome.Rejected, reason };
    }
    if (action === TargetAction.Delete) {
      if (updated.has(email)) return { ...base, outcome: ItemOutcome.Deleted };
      if (created.has(email)) {
        return { ...base, outcome: ItemOutcome.NotFound, note: 'was not in the audience; now on record as unsubscribed' };
      }
    } else {
      if (created.has(email)) return { ...base, outcome: ItemOutcome.Created };
      const member = updated.get(email);
      if (member) {
        const note = member.status === undefined ? undefined : keptReasons[member.status];
        return { ...base, outcome: ItemOutcome.Updated, ...(note ? { note } : {}) };
      }
    }
    return { ...base, outcome: ItemOutcome.Retry, reason: { message: 'Mailchimp returned no result for this member' } };
  });
}

function membersByEmail(raw: readonly unknown[]): Map<string, z.infer<typeof memberSchema>> {
  const members = new Map<string, z.infer<typeof memberSchema>>();
  for (const entry of raw) {
    const member = memberSchema.safeParse(entry);
    if (member.success) members.set(member.data.email_address.toLowerCase(), member.data);
  }
  return members;
}
