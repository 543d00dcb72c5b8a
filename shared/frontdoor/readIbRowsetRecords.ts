import type { IbRowsetConfig, PushedSourceConfig } from '../config/schema';
import { RecordOperation } from '../envelope';
import { parseSourceTimestamp } from '../peoplesoft/parseSourceTimestamp';
import { valueAtPath } from '../peoplesoft/valueAtPath';
import { DeliveryRefusedError } from './DeliveryRefusedError';
import { parseHardenedXml, type XmlElement, type XmlNode } from './parseHardenedXml';
import { pushedItemOf, type PushedItem } from './pushedItemOf';

const PSCAMA = 'PSCAMA';
const DEFAULT_ROWSET: IbRowsetConfig = { children: {}, maxDepth: 20 };
/** FieldTypes types whose values are numbers (the others are text, dates and times as written). */
const NUMERIC_TYPES = new Set(['NUMBER', 'SIGNNUM']);
const NUMERIC = /^-?\d+(\.\d+)?$/;
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined references and character references; nothing else is expanded. */
function decodeText(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(REFERENCE, (whole, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
    if (name) return PREDEFINED[name]!;
    const code = decimal ? Number(decimal) : Number.parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function first(element: XmlElement, name: string): XmlNode | undefined {
  return Object.hasOwn(element, name) ? element[name]![0] : undefined;
}

function textOf(node: XmlNode | undefined): string {
  return typeof node === 'string' ? decodeText(node) : '';
}

/** `AUDIT_ACTN` of a row's PSCAMA; blank when there is none. */
function auditAction(pscama: XmlNode | undefined): string {
  return typeof pscama === 'object' ? textOf(first(pscama, 'AUDIT_ACTN')).trim().toUpperCase() : '';
}

/** FieldTypes: the record names (to tell a rowset from a field) and the numeric fields (`RECORD.FIELD`). */
function fieldTypesOf(root: XmlElement): { records: Set<string>; numeric: Set<string> } {
  const records = new Set<string>();
  const numeric = new Set<string>();
  const section = first(root, 'FieldTypes');
  if (typeof section !== 'object') return { records, numeric };
  for (const [record, nodes] of Object.entries(section)) {
    if (record !== PSCAMA) records.add(record);
    const declared = nodes[0];
    if (typeof declared !== 'object') continue;
    for (const [field, typeNodes] of Object.entries(declared)) {
      const typed = typeNodes[0];
      const type = typeof typed === 'object' ? textOf(first(typed, '@type')) : '';
      if (NUMERIC_TYPES.has(type.toUpperCase())) numeric.add(`${record}.${field}`);
    }
  }
  return { records, numeric };
}

interface RowReader {
  readonly children: Readonly<Record<string, string>>;
  readonly numeric: ReadonlySet<string>;
  readonly records: ReadonlySet<string>;
}

/** A row's fields as the record of a poll has them; child rowsets as lists of rows, deleted child rows left out. */
function rowOf(element: XmlElement, recordName: string, reader: RowReader): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [name, nodes] of Object.entries(element)) {
    if (name === PSCAMA || name === '#text') continue;
    const isRowset = reader.records.has(name) || nodes.some((node) => typeof node === 'object');
    if (isRowset) {
      const rows = nodes.flatMap((node) => (typeof node === 'object' && auditAction(first(node, PSCAMA)) !== 'D' ? [rowOf(node, name, reader)] : []));
      row[reader.children[name] ?? name] = rows;
      continue;
    }
    const value = textOf(nodes[0]);
    row[name] = reader.numeric.has(`${recordName}.${name}`) && NUMERIC.test(value) ? Number(value) : value;
  }
  return row;
}

function versionReader(timeField: string | undefined, timeZone: string, eventTime: Date) {
  return (record: Record<string, unknown>): Date | { reason: string } => {
    if (!timeField) return eventTime;
    const value = valueAtPath(record, timeField);
    return (
      parseSourceTimestamp(value, 'iso', timeZone) ??
      parseSourceTimestamp(value, 'peoplesoft', timeZone) ?? {
        reason: `${timeField}: missing or unreadable time (expected ISO-8601 or YYYY-MM-DD-HH.MM.SS.ffffff)`,
      }
    );
  };
}

/**
 * Reads an Integration Broker asynchronous publication in PeopleSoft's rowset XML, full-sync or
 * incremental alike: one record per `MsgData/Transaction`, from its level-0 record element (the
 * declared `rowset.record`, else the first that is not PSCAMA), child rowsets as lists of rows.
 * The Transaction's PSCAMA decides the operation: `AUDIT_ACTN` D deactivates; A, C and blank
 * upsert; any other action is rejected on its own, as is a Transaction without the record.
 * Values are text, numbers where FieldTypes types them NUMBER or SIGNNUM. The body is parsed by
 * `parseHardenedXml`; a body that is not a rowset message is refused (400).
 */
export function readIbRowsetRecords(
  source: string,
  declaration: PushedSourceConfig,
  body: Buffer,
  options: { readonly timeZone: string; readonly eventTime: Date },
): PushedItem[] {
  const rowset = declaration.rowset ?? DEFAULT_ROWSET;
  const { root, element } = parseHardenedXml(source, body, rowset.maxDepth);
  const msgData = first(element, 'MsgData');
  const transactions = typeof msgData === 'object' && Object.hasOwn(msgData, 'Transaction') ? msgData.Transaction! : [];
  if (transactions.length === 0) throw new DeliveryRefusedError(source, 400, `no MsgData/Transaction in the ${root} message`);

  const reader: RowReader = { children: rowset.children, ...fieldTypesOf(element) };
  const version = versionReader(declaration.records.timeField, options.timeZone, options.eventTime);

  return transactions.map((transaction, index): PushedItem => {
    const at = `(Transaction ${index + 1})`;
    if (typeof transaction !== 'object') return { kind: 'rejected', reason: `${at}: holds no record` };
    const recordName = rowset.record ?? Object.keys(transaction).find((name) => name !== PSCAMA && name !== '#text');
    const recordNode = recordName === undefined ? undefined : first(transaction, recordName);
    if (recordName === undefined || typeof recordNode !== 'object') return { kind: 'rejected', reason: `${at}: no ${recordName ?? 'record'} element` };
    const action = auditAction(first(transaction, PSCAMA) ?? first(recordNode, PSCAMA));
    const item = pushedItemOf(rowOf(recordNode, recordName, reader), declaration.records.keyFields ?? [], version, action === 'D' ? RecordOperation.Deactivate : RecordOperation.Upsert);
    if (item.kind === 'record' && !['A', 'C', 'D', ''].includes(action)) {
      return { kind: 'rejected', id: item.id, reason: `PSCAMA.AUDIT_ACTN: "${action}" is not A, C, D or blank` };
    }
    return item;
  });
}
