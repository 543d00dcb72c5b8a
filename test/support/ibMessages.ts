import { validateConfig, type CustomerConfig } from '../../shared/config';
import { demoConfig, withoutPushedSources } from './factories';

export const IB_SOURCE = 'fscm-ib';
export const IB_FLOW = 'vendors-to-marketo';
export const IB_USER = 'PSFT_EP_NODE';
export const IB_PASSWORD = 'node-password-0123456789';
/** The environment a local run reads the IB node's credentials from (`ML_SECRET_<NAME>`). */
export const IB_SECRET_ENV = { ML_SECRET_FSCM_IB_NODE: JSON.stringify({ username: IB_USER, password: IB_PASSWORD }) };

/** The demo customer with its Financials IB node publishing VENDOR_SYNC / VENDOR_FULLSYNC to the vendors flow. */
export function ibPushDemoConfig(maxBodyBytes = 64 * 1024, rowset: Record<string, unknown> = { record: 'VENDOR', children: { VENDOR_LOC: 'LOCATIONS' } }): CustomerConfig {
  const input = structuredClone(demoConfig(withoutPushedSources)) as Record<string, unknown> & { flows: Array<Record<string, unknown>> };
  input.pushed = {
    [IB_SOURCE]: {
      system: 'financials',
      format: 'ib-rowset-xml',
      rowset,
      verify: { kind: 'basic', secret: 'fscm-ib-node' },
      maxBodyBytes,
      eventId: { header: 'TransactionID' },
      records: { keyFields: ['SETID', 'VENDOR_ID'], timeField: 'LASTUPDDTTM' },
    },
  };
  input.flows.find((flow) => flow.name === IB_FLOW)!.push = IB_SOURCE;
  return validateConfig(input, 'IB push demo config');
}

/** One level-0 row of a rowset message: its AUDIT_ACTN, fields, and child rows by record name. */
export interface IbRow {
  readonly action: 'A' | 'C' | 'D' | '' | string;
  readonly fields: Readonly<Record<string, string>>;
  readonly children?: Readonly<Record<string, ReadonlyArray<{ readonly action?: string; readonly fields: Readonly<Record<string, string>> }>>>;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const element = (name: string, value: string): string => (value === '' ? `<${name}/>` : `<${name}>${escape(value)}</${name}>`);
const fields = (values: Readonly<Record<string, string>>): string => Object.entries(values).map(([name, value]) => element(name, value)).join('');

/**
 * An Integration Broker asynchronous publication as a node sends it: FieldTypes, then one
 * MsgData/Transaction per row, each child row followed by its AUDIT_ACTN-only PSCAMA, and the
 * Transaction closed by a full PSCAMA. `numeric` fields are typed NUMBER in FieldTypes.
 */
export function ibRowsetMessage(message: string, record: string, rows: readonly IbRow[], numeric: readonly string[] = []): string {
  const first = rows[0];
  const typeOf = (field: string): string => (numeric.includes(field) ? 'NUMBER' : field.endsWith('DTTM') ? 'DATETIME' : 'CHAR');
  const declare = (name: string, values: Readonly<Record<string, string>>): string =>
    `<${name} class="R">${Object.keys(values).map((field) => `<${field} type="${typeOf(field)}"/>`).join('')}</${name}>`;
  const childTypes = Object.entries(first?.children ?? {}).map(([name, childRows]) => declare(name, childRows[0]?.fields ?? {}));
  const transactions = rows.map((row) => {
    const children = Object.entries(row.children ?? {})
      .flatMap(([name, childRows]) =>
        childRows.map((child) => `<${name} class="R">${fields(child.fields)}<PSCAMA class="R">${element('AUDIT_ACTN', child.action ?? '')}</PSCAMA></${name}>`),
      )
      .join('');
    return (
      `<Transaction><${record} class="R">${fields(row.fields)}${children}</${record}>` +
      `<PSCAMA class="R"><LANGUAGE_CD>ENG</LANGUAGE_CD>${element('AUDIT_ACTN', row.action)}<BASE_LANGUAGE_CD>ENG</BASE_LANGUAGE_CD><MSG_SEQ_FLG/><PROCESS_INSTANCE>0</PROCESS_INSTANCE><PUBLISH_RULE_ID/><MSGNODENAME/></PSCAMA></Transaction>`
    );
  });
  return (
    `<?xml version="1.0"?>\n<${message}><FieldTypes>${first ? declare(record, first.fields) : ''}${childTypes.join('')}` +
    `<PSCAMA class="R"><LANGUAGE_CD type="CHAR"/><AUDIT_ACTN type="CHAR"/><BASE_LANGUAGE_CD type="CHAR"/><MSG_SEQ_FLG type="CHAR"/><PROCESS_INSTANCE type="NUMBER"/><PUBLISH_RULE_ID type="CHAR"/><MSGNODENAME type="CHAR"/></PSCAMA>` +
    `</FieldTypes><MsgData>${transactions.join('')}</MsgData></${message}>`
  );
}

let sequence = 0;
/** A vendor row as FSCM publishes it (VENDOR record, PeopleSoft datetime text in the system's zone). */
export function vendorRow(action: IbRow['action'], overrides: Record<string, string> = {}, locations: string[] = []): IbRow {
  sequence += 1;
  return {
    action,
    fields: {
      SETID: 'SHARE',
      VENDOR_ID: `IB${String(sequence).padStart(8, '0')}`,
      NAME1: `Vendor ${sequence}`,
      ADDRESS1: `${sequence} Main St`,
      CITY: 'Newark',
      STATE: 'NJ',
      POSTAL: '07102',
      COUNTRY: 'USA',
      LASTUPDDTTM: '2026-03-01-10.00.00.000000',
      ...overrides,
    },
    ...(locations.length > 0 ? { children: { VENDOR_LOC: locations.map((loc) => ({ action: 'A', fields: { VNDR_LOC: loc } })) } } : {}),
  };
}

/** The Basic Authorization header of the IB node's connector. */
export function ibAuthorization(user = IB_USER, password = IB_PASSWORD): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
