import type { RunningSimulator } from '../../shared/connectors';

/** A record a component interface holds: header fields as text, collections as lists of rows. */
export interface CiRecord {
  readonly ci: string;
  fields: Record<string, string>;
  collections: Record<string, Array<Record<string, string>>>;
}

/** One request the simulator answered. */
export interface CiCallLogEntry {
  readonly at: Date;
  /** The SOAP action or `GetWSDL`, e.g. `CI_ML_PO_C.V1`. */
  readonly action: string;
  /** `create`, `get`, `find`, `update` for a CI call. */
  readonly method?: 'create' | 'get' | 'find' | 'update';
  readonly soapVersion?: '1.1' | '1.2';
  /** How the caller authenticated: `ws-security`, `basic`, or `none`. */
  readonly auth: 'ws-security' | 'basic' | 'none';
  readonly status: number;
  /** The fault's message, when the answer was a fault. */
  readonly fault?: string;
  /** What the request carried in its body element (fields as sent). */
  readonly sent?: Readonly<Record<string, unknown>>;
}

/** A scripted answer instead of the normal one, for the next matching calls. */
export interface CiFault {
  /** Only calls of this method (default: any CI call). */
  readonly method?: 'create' | 'get' | 'find' | 'update';
  /** Only calls of this component interface (default: any). */
  readonly ci?: string;
  /**
   * `server`: a SOAP Server fault (the component rolled back); `unavailable`: an HTML 503 from
   * the web server; `slow`: the answer comes after `delayMs` (the caller's timeout may expire).
   */
  readonly kind: 'server' | 'unavailable' | 'slow';
  readonly delayMs?: number;
  /** For `slow`: whether the write is saved (then answered late) or not (then a server fault, late). */
  readonly lands?: boolean;
}

export interface PeopleSoftCiSimulator extends RunningSimulator {
  readonly callLog: readonly CiCallLogEntry[];
  /** Records of a component interface, in creation order. */
  records(ci: string): readonly CiRecord[];
  /** Records of a component interface whose `field` is exactly `value`. */
  recordsWhere(ci: string, field: string, value: string): readonly CiRecord[];
  /** Calls answered, optionally only those matching `filter`. */
  calls(filter?: (entry: CiCallLogEntry) => boolean): number;
  /** Scripts the next `times` matching calls. */
  fail(fault: CiFault, times?: number): void;
  /** Marks a journal posted (as the GL posting process would): it can no longer be changed. */
  postJournal(journalId: string): void;
  /** Adds a value to a prompt table (`vendors`, `accounts`, `departments`, `businessUnits`, `currencies`). */
  addPromptValue(table: string, value: string): void;
}
