import type { RunningSimulator } from '../../shared/connectors';

/** A user as the simulated account stores it. */
export interface ZendeskUser {
  readonly id: number;
  name: string;
  email?: string;
  external_id?: string;
  phone?: string | null;
  role: 'end-user' | 'agent' | 'admin';
  suspended: boolean;
  active: boolean;
  user_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** An organization as the simulated account stores it. */
export interface ZendeskOrganization {
  readonly id: number;
  name: string;
  external_id?: string;
  details?: string | null;
  notes?: string | null;
  created_at: string;
  updated_at: string;
}

/** One request the simulator answered (authenticated or not). */
export interface ZendeskCallLogEntry {
  readonly at: Date;
  readonly method: string;
  /** Path without the query and without a `.json` suffix, e.g. `/api/v2/users/create_or_update_many`. */
  readonly path: string;
  readonly status: number;
  /** Items in a bulk request body. */
  readonly records?: number;
}

/** The next answer to give instead of handling a request (a scripted fault). */
export interface ZendeskFault {
  readonly status: number;
  /** Seconds for `Retry-After` (429 / 503). */
  readonly retryAfterSeconds?: number;
  /** Only requests whose path contains this are affected (default: any API request). */
  readonly pathIncludes?: string;
}

export interface ZendeskSimulator extends RunningSimulator {
  readonly users: ReadonlyMap<number, ZendeskUser>;
  readonly organizations: ReadonlyMap<number, ZendeskOrganization>;
  readonly callLog: readonly ZendeskCallLogEntry[];
  /** The stored user whose external id is `externalId` (case-insensitive). */
  user(externalId: string): ZendeskUser | undefined;
  organization(externalId: string): ZendeskOrganization | undefined;
  /** Calls answered, optionally only those matching `filter`. */
  calls(filter?: (entry: ZendeskCallLogEntry) => boolean): number;
  /** Scripts the next matching request(s) to answer with `fault` (`times` in a row). */
  fail(fault: ZendeskFault, times?: number): void;
  /** Bulk jobs not yet completed. */
  pendingJobs(): number;
  /** Adds a custom user field (Admin Center → People → User fields). */
  addUserField(key: string): void;
}
