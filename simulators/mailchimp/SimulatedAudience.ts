import { createHash } from 'node:crypto';

/** Member statuses Mailchimp reports (`archived` only on reads). */
export type MemberStatus = 'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional' | 'archived';

export interface SimulatedMember {
  readonly id: string;
  readonly email_address: string;
  status: MemberStatus;
  merge_fields: Record<string, string>;
  last_changed: string;
}

export interface SimulatedMergeField {
  readonly merge_id: number;
  readonly tag: string;
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
}

/** Merge fields every new audience has (Mailchimp's defaults). */
const DEFAULT_TAGS: ReadonlyArray<readonly [tag: string, type: string]> = [
  ['FNAME', 'text'],
  ['LNAME', 'text'],
  ['ADDRESS', 'address'],
  ['PHONE', 'phone'],
  ['BIRTHDAY', 'birthday'],
];

/** One audience (list) of the simulated account: its members, merge fields and forgotten addresses. */
export class SimulatedAudience {
  public readonly members = new Map<string, SimulatedMember>();
  public readonly mergeFields: SimulatedMergeField[] = [];
  /** Hashes of permanently deleted addresses: they can never be imported again. */
  public readonly forgotten = new Set<string>();

  public constructor(
    public readonly id: string,
    public readonly name: string,
    extraTags: readonly string[] = [],
  ) {
    for (const [tag, type] of DEFAULT_TAGS) this.addMergeField(tag, tag, type);
    for (const tag of extraTags) this.addMergeField(tag, tag, 'text');
  }

  public static hash(email: string): string {
    return createHash('md5').update(email.toLowerCase()).digest('hex');
  }

  public addMergeField(tag: string, name: string, type: string, required = false): SimulatedMergeField {
    const field = { merge_id: this.mergeFields.length + 1, tag, name, type, required };
    this.mergeFields.push(field);
    return field;
  }

  public hasTag(tag: string): boolean {
    return this.mergeFields.some((field) => field.tag === tag);
  }

  public member(email: string): SimulatedMember | undefined {
    return this.members.get(SimulatedAudience.hash(email));
  }

  /** Puts a member in place as if it had happened on Mailchimp's side (a signup, an unsubscribe, a bounce). */
  public put(email: string, status: MemberStatus, mergeFields: Record<string, string> = {}, now = new Date()): SimulatedMember {
    const id = SimulatedAudience.hash(email);
    const existing = this.members.get(id);
    const member: SimulatedMember = existing ?? { id, email_address: email.toLowerCase(), status, merge_fields: {}, last_changed: '' };
    member.status = status;
    member.merge_fields = { ...member.merge_fields, ...mergeFields };
    member.last_changed = now.toISOString().replace(/\.\d{3}Z$/, '+00:00');
    this.members.set(id, member);
    return member;
  }

  /** `POST .../actions/delete-permanent`: the member is gone and the address can never be re-added. */
  public forget(email: string): void {
    const id = SimulatedAudience.hash(email);
    this.members.delete(id);
    this.forgotten.add(id);
  }

  public countByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const member of this.members.values()) counts[member.status] = (counts[member.status] ?? 0) + 1;
    return counts;
  }
}
