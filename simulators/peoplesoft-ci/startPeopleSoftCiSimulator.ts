import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readXmlTree, type XmlTreeElement } from '../../shared/connectors/peoplesoft-ci/readXmlTree';
import type { CiDefinition, CiField } from './CiDefinition';
import { ciDefinitions } from './ciDefinitions';
import type { CiCallLogEntry, CiFault, CiRecord, PeopleSoftCiSimulator } from './PeopleSoftCiSimulator';
import { resolvePeopleSoftCiSimulatorOptions, type PeopleSoftCiSimulatorOptions } from './PeopleSoftCiSimulatorOptions';

type Method = 'create' | 'get' | 'find' | 'update';
type SoapVersion = '1.1' | '1.2';

const LISTENER = '/PSIGW/PeopleSoftServiceListeningConnector';
const NS = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  passwordText: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText',
} as const;
const SUFFIX: Readonly<Record<string, Method>> = { C: 'create', G: 'get', F: 'find', UD: 'update' };
const BODY_METHOD: Readonly<Record<Method, string>> = { create: 'create', get: 'get', find: 'find', update: 'updatedata' };
const MAX_BODY_BYTES = 1_000_000;

/** A SOAP fault to answer with: who is at fault, PeopleSoft's message and its message-catalog number. */
interface Fault {
  readonly side: 'client' | 'server' | 'auth' | 'version' | 'must-understand';
  readonly message: string;
  readonly set?: number;
  readonly number?: number;
}

/** A Basic credential the web server refuses before any SOAP processing: HTTP 401. */
class BasicRefused extends Error {}

class FaultError extends Error {
  public constructor(public readonly fault: Fault) {
    super(fault.message);
  }
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  readonly headers?: Record<string, string>;
}

const xmlText = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function faultAnswer(version: SoapVersion, fault: Fault): Answer {
  const detail =
    `<IBResponse type="error"><DefaultTitle>Integration Broker Response</DefaultTitle><StatusCode>20</StatusCode>` +
    `<MessageSet>${fault.set ?? 158}</MessageSet><MessageID>${fault.number ?? 10001}</MessageID>` +
    `<DefaultMessage>${xmlText(fault.message)}</DefaultMessage><MessageParameters/></IBResponse>`;
  if (version === '1.1') {
    const code = { client: 'soapenv:Client', server: 'soapenv:Server', auth: 'wsse:FailedAuthentication', version: 'soapenv:VersionMismatch', 'must-understand': 'soapenv:MustUnderstand' }[fault.side];
    return {
      status: 500,
      contentType: 'text/xml; charset=UTF-8',
      body:
        `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${NS['1.1']}" xmlns:wsse="${NS.wsse}"><soapenv:Body><soapenv:Fault>` +
        `<faultcode>${code}</faultcode><faultstring>${xmlText(fault.message)}</faultstring><detail>${detail}</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    };
  }
  const value = { client: 'env:Sender', server: 'env:Receiver', auth: 'env:Sender', version: 'env:VersionMismatch', 'must-understand': 'env:MustUnderstand' }[fault.side];
  const subcode = fault.side === 'auth' ? '<env:Subcode><env:Value>wsse:FailedAuthentication</env:Value></env:Subcode>' : '';
  return {
    status: fault.side === 'server' ? 500 : 400,
    contentType: 'application/soap+xml; charset=UTF-8',
    body:
      `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="${NS['1.2']}" xmlns:wsse="${NS.wsse}"><env:Body><env:Fault>` +
      `<env:Code><env:Value>${value}</env:Value>${subcode}</env:Code><env:Reason><env:Text xml:lang="en">${xmlText(fault.message)}</env:Text></env:Reason>` +
      `<env:Detail>${detail}</env:Detail></env:Fault></env:Body></env:Envelope>`,
  };
}

function okAnswer(version: SoapVersion, element: string, inner: string): Answer {
  const prefix = version === '1.1' ? 'soapenv' : 'env';
  return {
    status: 200,
    contentType: version === '1.1' ? 'text/xml; charset=UTF-8' : 'application/soap+xml; charset=UTF-8',
    body:
      `<?xml version="1.0" encoding="UTF-8"?><${prefix}:Envelope xmlns:${prefix}="${NS[version]}"><${prefix}:Body>` +
      `<${element} xmlns="http://xmlns.oracle.com/Enterprise/Tools/schemas/M${String(element.length * 7919).padStart(6, '0').slice(-6)}.V1">${inner}</${element}>` +
      `</${prefix}:Body></${prefix}:Envelope>`,
  };
}

function fieldsXml(fields: Readonly<Record<string, string>>, names: readonly string[]): string {
  return names.filter((name) => fields[name] !== undefined).map((name) => `<${name}>${xmlText(fields[name]!)}</${name}>`).join('');
}

/** The body element's children: leaf fields as text, elements with children as collection rows. */
function sentOf(element: XmlTreeElement): { fields: Record<string, string>; rows: Record<string, XmlTreeElement[]> } {
  const fields: Record<string, string> = {};
  const rows: Record<string, XmlTreeElement[]> = {};
  for (const child of element.children) {
    if (child.children.length > 0) (rows[child.local] ??= []).push(child);
    else fields[child.local] = child.text;
  }
  return { fields, rows };
}

/**
 * Starts a simulated PeopleSoft Integration Gateway on 127.0.0.1 serving component-interface
 * SOAP services at `/PSIGW/PeopleSoftServiceListeningConnector[/NODE]`, as strict as PeopleTools
 * documents them: SOAP 1.1 (`text/xml` + `SOAPAction`) or 1.2 (`application/soap+xml;
 * action=`), or `?Operation=` in the query; the envelope, its body element
 * (`<Method>__CompIntfc__<CI>`) and every `mustUnderstand` header checked; the OPRID from a
 * WS-Security UsernameToken or HTTP Basic; the CI buffer edited field by field (unknown
 * properties, required fields, prompt tables, numbers, dates) with PeopleSoft's messages in SOAP
 * faults; keys on Create (numbering `NEXT`), a notification on UpdateData, prefix-matching Find.
 * Scripted faults: server faults, a web server's 503, slow answers (landed or not).
 */
export async function startPeopleSoftCiSimulator(options: PeopleSoftCiSimulatorOptions = {}): Promise<PeopleSoftCiSimulator> {
  const config = resolvePeopleSoftCiSimulatorOptions(options);
  const prompts = new Map(Object.entries(config.promptTables).map(([table, values]) => [table, new Set(values)]));
  const stores = new Map<string, CiRecord[]>(ciDefinitions.map((ci) => [ci.name, []]));
  const counters = new Map<string, number>();
  const callLog: CiCallLogEntry[] = [];
  const faults: Array<CiFault & { times: number }> = [];

  const operations = new Map<string, { ci: CiDefinition; method: Method }>();
  for (const ci of ciDefinitions) {
    for (const [suffix, method] of Object.entries(SUFFIX)) operations.set(`CI_${ci.name}_${suffix}.V1`, { ci, method });
  }

  const keyOf = (ci: CiDefinition, fields: Readonly<Record<string, string>>): string => ci.keys.map((key) => fields[key] ?? '').join('|');
  const { shared } = config;
  /** A vendor or GL account of the shared Financials tables (SETID SHARE, as they are seeded). */
  const inSharedTable = (prompt: string, value: string): boolean => {
    if (!shared) return false;
    if (prompt === 'vendors') return shared.row('vendors', `SHARE|${value}`) !== undefined;
    if (prompt === 'accounts') return shared.keys('gl-accounts').some((key) => key.startsWith(`SHARE|${value}|`));
    return false;
  };
  /** A PO saved through the CI, as the REST side serves it: header, lines, amounts as numbers. */
  const mirrorPurchaseOrder = (record: CiRecord): void => {
    if (!shared) return;
    const number = (text: string | undefined): number | null => (text === undefined || text === '' ? null : Number(text));
    const lines = (record.collections['PO_LINE'] ?? []).map((row) => {
      const quantity = number(row['QTY_PO']) ?? 0;
      const price = number(row['PRICE_PO']) ?? 0;
      return {
        LINE_NBR: number(row['LINE_NBR']),
        DESCR254_MIXED: row['DESCR254_MIXED'] ?? '',
        QTY_PO: quantity,
        PRICE_PO: price,
        MERCHANDISE_AMT: number(row['MERCHANDISE_AMT']) ?? Math.round(quantity * price * 100) / 100,
        ...(row['ACCOUNT'] ? { ACCOUNT: row['ACCOUNT'] } : {}),
      };
    });
    const { fields } = record;
    const row = {
      BUSINESS_UNIT: fields['BUSINESS_UNIT'],
      PO_ID: fields['PO_ID'],
      VENDOR_SETID: 'SHARE',
      VENDOR_ID: fields['VENDOR_ID'],
      PO_DT: fields['PO_DT'],
      PO_STATUS: fields['PO_STATUS'] ?? 'O',
      CURRENCY_CD: fields['CURRENCY_CD'] ?? 'USD',
      PO_AMOUNT: lines.reduce((sum, line) => sum + line.MERCHANDISE_AMT, 0),
      PROJECT_ID: fields['PROJECT_ID'] ?? '',
      PO_REF: fields['PO_REF'] ?? '',
      DESCR254_MIXED: fields['DESCR254_MIXED'] ?? '',
      LINES: lines,
    };
    const key = `${fields['BUSINESS_UNIT']}|${fields['PO_ID']}`;
    if (shared.row('purchase-orders', key)) shared.updateRow('purchase-orders', key, row);
    else shared.addRow('purchase-orders', row);
  };
  const findByKeys = (ci: CiDefinition, fields: Readonly<Record<string, string>>): CiRecord | undefined =>
    stores.get(ci.name)!.find((record) => keyOf(ci, record.fields) === keyOf(ci, fields));

  /** PeopleSoft's field edits, message for message. */
  const edit = (ci: CiDefinition, path: string, field: CiField, value: string): string => {
    const where = `{${ci.name}.${path}}`;
    if (field.readOnly) throw new FaultError({ side: 'client', message: `${where} Field is display-only and cannot be changed.`, set: 91, number: 36 });
    if (value === '') return value;
    if (field.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value)) throw new FaultError({ side: 'client', message: `${where} Invalid number: '${value}'.`, set: 91, number: 40 });
    if (field.type === 'date' && (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) {
      throw new FaultError({ side: 'client', message: `${where} Invalid date: '${value}' (expected YYYY-MM-DD).`, set: 91, number: 41 });
    }
    if (field.prompt && !prompts.get(field.prompt)?.has(value) && !inSharedTable(field.prompt, value)) {
      throw new FaultError({ side: 'client', message: `${where} Invalid value '${value}' -- press the prompt button or hyperlink for a list of valid values (15,11)`, set: 15, number: 11 });
    }
    return value;
  };

  const fieldNamed = (ci: CiDefinition, fields: readonly CiField[], name: string, path: string): CiField => {
    const field = fields.find((candidate) => candidate.name === name);
    if (!field) throw new FaultError({ side: 'client', message: `{${ci.name}} Property ${path} is not defined in the component interface.`, set: 91, number: 34 });
    return field;
  };

  const assertSaved = (ci: CiDefinition, record: CiRecord): void => {
    for (const field of ci.fields) {
      if (field.required && !record.fields[field.name]) throw new FaultError({ side: 'client', message: `{${ci.name}.${field.name}} Field is required.`, set: 15, number: 30 });
    }
    for (const collection of ci.collections) {
      for (const [index, row] of (record.collections[collection.name] ?? []).entries()) {
        for (const field of collection.fields) {
          if (field.required && !row[field.name]) {
            throw new FaultError({ side: 'client', message: `{${ci.name}.${collection.name}(${index + 1}).${field.name}} Field is required.`, set: 15, number: 30 });
          }
        }
      }
    }
    if (ci.name === 'ML_JOURNAL') {
      // The journal edit: lines must sum to zero (amounts in thousandths, exactly).
      let debits = 0n;
      let credits = 0n;
      for (const row of record.collections['JRNL_LN'] ?? []) {
        const [whole, fraction = ''] = row['MONETARY_AMOUNT']!.replace('-', '').split('.');
        const units = BigInt(whole!) * 1000n + BigInt(fraction.padEnd(3, '0').slice(0, 3));
        if (row['MONETARY_AMOUNT']!.startsWith('-')) credits += units;
        else debits += units;
      }
      if (debits !== credits) {
        const show = (units: bigint): string => `${units / 1000n}.${String(units % 1000n).padStart(3, '0').slice(0, 2)}`;
        throw new FaultError({ side: 'client', message: `{ML_JOURNAL} Journal is out of balance: debits ${show(debits)}, credits ${show(credits)}.`, set: 5010, number: 38 });
      }
    }
  };

  /** Applies the sent buffer to `record` (a copy is saved only if every edit passes). */
  const apply = (ci: CiDefinition, record: CiRecord, sent: ReturnType<typeof sentOf>, keysFixed: boolean): CiRecord => {
    const next: CiRecord = { ci: ci.name, fields: { ...record.fields }, collections: structuredClone(record.collections) };
    for (const [name, value] of Object.entries(sent.fields)) {
      const field = fieldNamed(ci, ci.fields, name, name);
      if (keysFixed && ci.keys.includes(name)) continue;
      next.fields[name] = edit(ci, name, field, value);
    }
    for (const [name, elements] of Object.entries(sent.rows)) {
      const collection = ci.collections.find((candidate) => candidate.name === name);
      if (!collection) throw new FaultError({ side: 'client', message: `{${ci.name}} Collection ${name} is not defined in the component interface.`, set: 91, number: 35 });
      // The collection as sent replaces the rows held.
      next.collections[name] = elements.map((element, index) => {
        const row: Record<string, string> = {};
        for (const child of element.children) {
          const path = `${name}(${index + 1}).${child.local}`;
          if (child.children.length > 0) throw new FaultError({ side: 'client', message: `{${ci.name}} Collection ${path} is not defined in the component interface.`, set: 91, number: 35 });
          row[child.local] = edit(ci, path, fieldNamed(ci, collection.fields, child.local, path), child.text);
        }
        return row;
      });
    }
    assertSaved(ci, next);
    return next;
  };

  const runCi = (ci: CiDefinition, method: Method, body: XmlTreeElement): string => {
    const sent = sentOf(body);
    const store = stores.get(ci.name)!;
    if (method === 'find') {
      for (const name of Object.keys(sent.fields)) {
        if (!ci.searchFields.includes(name)) throw new FaultError({ side: 'client', message: `{${ci.name}} ${name} is not a search key of the component interface.`, set: 91, number: 34 });
      }
      // Find matches character search fields by prefix (SQL LIKE 'value%'), as PeopleSoft does.
      const found = store.filter((record) => Object.entries(sent.fields).every(([name, value]) => (record.fields[name] ?? '').startsWith(value)));
      return found.map((record) => `<${ci.name}>${fieldsXml(record.fields, ci.searchFields)}</${ci.name}>`).join('');
    }
    if (method === 'create') {
      const fields = { ...ci.createDefaults };
      const draft: CiRecord = { ci: ci.name, fields, collections: {} };
      const saved = apply(ci, draft, sent, false);
      if (ci.autoNumber && (!saved.fields[ci.autoNumber] || saved.fields[ci.autoNumber] === 'NEXT')) {
        let next = (counters.get(ci.name) ?? 0) + 1;
        // One database: a PO id the REST side already serves is taken.
        while (ci.name === 'ML_PO' && shared?.row('purchase-orders', `${saved.fields['BUSINESS_UNIT']}|${String(next).padStart(10, '0')}`)) next += 1;
        counters.set(ci.name, next);
        saved.fields[ci.autoNumber] = String(next).padStart(10, '0');
      }
      if (findByKeys(ci, saved.fields)) throw new FaultError({ side: 'client', message: `{${ci.name}} The data already exists for keys ${keyOf(ci, saved.fields)}.`, set: 91, number: 51 });
      store.push(saved);
      if (ci.name === 'ML_PO') mirrorPurchaseOrder(saved);
      return `<${ci.name}>${fieldsXml(saved.fields, ci.keys)}</${ci.name}>`;
    }
    const missing = ci.keys.find((key) => sent.fields[key] === undefined);
    if (missing) throw new FaultError({ side: 'client', message: `{${ci.name}.${missing}} Key field is required.`, set: 91, number: 49 });
    const record = findByKeys(ci, sent.fields);
    if (!record) throw new FaultError({ side: 'client', message: `No rows exist for the specified keys. {${ci.name}.${method === 'get' ? 'Get' : 'UpdateData'}} (91,50)`, set: 91, number: 50 });
    if (method === 'get') {
      const names = ci.fields.map((field) => field.name);
      const rows = ci.collections
        .flatMap((collection) => (record.collections[collection.name] ?? []).map((row) => `<${collection.name}>${fieldsXml(row, collection.fields.map((field) => field.name))}</${collection.name}>`))
        .join('');
      return fieldsXml(record.fields, names) + rows;
    }
    if (ci.name === 'ML_JOURNAL' && record.fields['JRNL_HDR_STATUS'] === 'P') {
      throw new FaultError({ side: 'client', message: `{ML_JOURNAL} Journal ${record.fields['JOURNAL_ID']} has been posted and cannot be changed.`, set: 5010, number: 12 });
    }
    const updated = apply(ci, record, sent, true);
    record.fields = updated.fields;
    record.collections = updated.collections;
    if (ci.name === 'ML_PO') mirrorPurchaseOrder(record);
    return '<notification>1</notification>';
  };

  /** The OPRID the request runs as: WS-Security UsernameToken, else HTTP Basic. */
  const authenticate = (request: IncomingMessage, security: XmlTreeElement | undefined): 'ws-security' | 'basic' => {
    const refused = (): never => {
      throw new FaultError({ side: 'auth', message: 'The security token could not be authenticated or authorized' });
    };
    if (security) {
      const token = security.children.find((child) => child.local === 'UsernameToken' && child.ns === NS.wsse);
      const username = token?.children.find((child) => child.local === 'Username' && child.ns === NS.wsse)?.text;
      const password = token?.children.find((child) => child.local === 'Password' && child.ns === NS.wsse);
      if (!token || username === undefined || !password) refused();
      if (password!.attributes['Type'] !== undefined && password!.attributes['Type'] !== NS.passwordText) {
        throw new FaultError({ side: 'auth', message: 'Only the PasswordText UsernameToken profile is supported' });
      }
      if (username !== config.userId || password!.text !== config.password) refused();
      return 'ws-security';
    }
    const header = request.headers.authorization;
    if (!header?.startsWith('Basic ')) refused();
    const decoded = Buffer.from(header!.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0 || decoded.slice(0, colon) !== config.userId || decoded.slice(colon + 1) !== config.password) throw new BasicRefused();
    return 'basic';
  };

  const wsdlOf = (service: string): Answer => {
    const ci = ciDefinitions.find((candidate) => `CI_${candidate.name}.V1` === service);
    if (!ci) return faultAnswer('1.1', { side: 'client', message: `WSDL ${service} not found in the WSDL repository.`, set: 158, number: 10201 });
    const ops = Object.keys(SUFFIX)
      .map((suffix) => `CI_${ci.name}_${suffix}`)
      .filter((op) => !config.inactiveOperations.has(op))
      .map((op) => `<wsdl:operation name="${op}"><soap:operation soapAction="${op}.V1"/></wsdl:operation>`)
      .join('');
    return {
      status: 200,
      contentType: 'text/xml; charset=UTF-8',
      body: `<?xml version="1.0"?><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" name="CI_${ci.name}"><wsdl:binding name="CI_${ci.name}_Binding">${ops}</wsdl:binding></wsdl:definitions>`,
    };
  };

  const handle = async (request: IncomingMessage, raw: Buffer): Promise<{ answer: Answer; entry: Omit<CiCallLogEntry, 'at' | 'status'>; delayMs?: number }> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '');
    const queryOperation = url.searchParams.get('Operation') ?? undefined;
    const html = (status: number, text: string): Answer => ({ status, contentType: 'text/html', body: `<html><body><h1>${status}</h1><p>${text}</p></body></html>` });
    if (path !== LISTENER && !path.startsWith(`${LISTENER}/`)) return { answer: html(404, 'Not Found'), entry: { action: path, auth: 'none' } };
    const node = path.slice(LISTENER.length + 1) || config.node;
    if (request.method === 'GET' && queryOperation === 'GetWSDL') return { answer: wsdlOf(url.searchParams.get('wsdl') ?? ''), entry: { action: 'GetWSDL', auth: 'none' } };
    if (request.method !== 'POST') return { answer: { ...html(405, 'Method Not Allowed'), headers: { allow: 'POST' } }, entry: { action: request.method ?? '', auth: 'none' } };

    // The SOAP version and the operation: from the content type and SOAPAction / action=, or the query.
    const contentType = (request.headers['content-type'] ?? '').toLowerCase();
    const version: SoapVersion | undefined = contentType.startsWith('text/xml') ? '1.1' : contentType.startsWith('application/soap+xml') ? '1.2' : undefined;
    if (!version) return { answer: html(415, 'Unsupported Media Type: text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)'), entry: { action: '', auth: 'none' } };
    const soapAction = typeof request.headers['soapaction'] === 'string' ? request.headers['soapaction'].replace(/^"|"$/g, '') : undefined;
    const actionParam = /;\s*action="?([^";]+)"?/.exec(request.headers['content-type'] ?? '')?.[1];
    const action = (version === '1.1' ? soapAction : actionParam) || queryOperation || '';
    const fault = (f: Fault, extra: Partial<CiCallLogEntry> = {}) => ({ answer: faultAnswer(version, f), entry: { action, soapVersion: version, auth: 'none' as const, fault: f.message, ...extra } });
    if (version === '1.1' && soapAction === undefined && !queryOperation) return fault({ side: 'client', message: 'SOAPAction header is missing.', set: 158, number: 10401 });
    if (node !== config.node) return fault({ side: 'server', message: `Node ${node} not found. Check the node name in the URL.`, set: 158, number: 10503 });

    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return fault({ side: 'client', message: 'The request is not UTF-8 text.', set: 158, number: 10400 });
    }
    const parsed = readXmlTree(text, 32);
    if (!parsed.ok) return fault({ side: 'client', message: `Unable to parse the request: ${parsed.reason}`, set: 158, number: 10400 });
    const envelope = parsed.root;
    if (envelope.local !== 'Envelope' || (envelope.ns !== NS['1.1'] && envelope.ns !== NS['1.2'])) return fault({ side: 'client', message: 'The request is not a SOAP envelope.', set: 158, number: 10400 });
    if (envelope.ns !== NS[version]) return fault({ side: 'version', message: `A SOAP ${envelope.ns === NS['1.1'] ? '1.1' : '1.2'} envelope sent as SOAP ${version} (${contentType.split(';')[0]}).` });
    const header = envelope.children.find((child) => child.local === 'Header' && child.ns === envelope.ns);
    const body = envelope.children.find((child) => child.local === 'Body' && child.ns === envelope.ns);
    if (!body || envelope.children.some((child) => child !== header && child !== body)) return fault({ side: 'client', message: 'The SOAP envelope must hold an optional Header and one Body.', set: 158, number: 10400 });
    let security: XmlTreeElement | undefined;
    for (const block of header?.children ?? []) {
      if (block.local === 'Security' && block.ns === NS.wsse) security = block;
      else if (block.attributes['mustUnderstand'] === '1' || block.attributes['mustUnderstand'] === 'true') {
        return fault({ side: 'must-understand', message: `Header ${block.local} (${block.ns}) is not understood.` });
      }
    }

    const operation = operations.get(action);
    if (!operation || config.inactiveOperations.has(action.replace(/\.V\d+$/, ''))) {
      return fault({ side: 'server', message: `Unable to find a routing corresponding to the incoming request message: operation ${action || '(none)'} is not active.`, set: 158, number: 10505 });
    }
    const { ci, method } = operation;
    let auth: 'ws-security' | 'basic';
    try {
      auth = authenticate(request, security);
    } catch (error) {
      if (error instanceof BasicRefused) {
        return { answer: { ...html(401, 'Unauthorized'), headers: { 'www-authenticate': 'Basic realm="PSIGW"' } }, entry: { action, method, soapVersion: version, auth: 'basic' as const } };
      }
      return fault((error as FaultError).fault, { method });
    }
    const element = body.children.length === 1 ? body.children[0]! : undefined;
    const expected = `${BODY_METHOD[method]}__compintfc__${ci.name}`.toLowerCase();
    if (!element || element.local.toLowerCase() !== expected) {
      return fault({ side: 'client', message: `The request body must be one ${BODY_METHOD[method]}__CompIntfc__${ci.name} element for ${action}.`, set: 158, number: 10400 }, { method, auth });
    }
    const sent = sentOf(element);
    const entry = { action, method, soapVersion: version, auth, sent: { ...sent.fields, ...Object.fromEntries(Object.entries(sent.rows).map(([name, rows]) => [name, rows.length])) } };

    const scripted = faults.find((candidate) => (candidate.method === undefined || candidate.method === method) && (candidate.ci === undefined || candidate.ci === ci.name));
    if (scripted) {
      scripted.times -= 1;
      if (scripted.times <= 0) faults.splice(faults.indexOf(scripted), 1);
      if (scripted.kind === 'unavailable') return { answer: html(503, 'Service Unavailable'), entry };
      if (scripted.kind === 'server') return { answer: faultAnswer(version, { side: 'server', message: 'The application server did not respond (Jolt error). Try again later.', set: 158, number: 10623 }), entry };
      if (!scripted.lands) {
        const timedOut = faultAnswer(version, { side: 'server', message: 'The service operation timed out in the application server.', set: 158, number: 10624 });
        return { answer: timedOut, entry, delayMs: scripted.delayMs ?? 0 };
      }
    }
    let answer: Answer;
    try {
      answer = okAnswer(version, `${element.local}Response`, runCi(ci, method, element));
    } catch (error) {
      if (!(error instanceof FaultError)) throw error;
      answer = faultAnswer(version, error.fault);
      return { answer, entry: { ...entry, fault: error.fault.message } };
    }
    // A slow answer to a write that was saved: the caller may have given up by now.
    return { answer, entry, ...(scripted?.kind === 'slow' ? { delayMs: scripted.delayMs ?? 0 } : {}) };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      void (async () => {
        if (config.latencyMs > 0) await sleep(config.latencyMs);
        const { answer, entry, delayMs } =
          size > MAX_BODY_BYTES
            ? { answer: { status: 413, contentType: 'text/html', body: '<html><body>Request Entity Too Large</body></html>' } as Answer, entry: { action: '', auth: 'none' as const } }
            : await handle(request, Buffer.concat(chunks));
        // Logged when handled: a slow answer's call is in the log while its answer is still held back.
        callLog.push({ at: config.now(), status: answer.status, ...entry });
        if (delayMs) await sleep(delayMs);
        if (response.destroyed) return;
        response.writeHead(answer.status, { 'content-type': answer.contentType, ...answer.headers });
        response.end(answer.body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    callLog,
    records: (ci) => stores.get(ci) ?? [],
    recordsWhere: (ci, field, value) => (stores.get(ci) ?? []).filter((record) => record.fields[field] === value),
    calls: (filter) => (filter ? callLog.filter(filter).length : callLog.length),
    fail: (fault, times = 1) => faults.push({ ...fault, times }),
    postJournal: (journalId) => {
      for (const record of stores.get('ML_JOURNAL')!) if (record.fields['JOURNAL_ID'] === journalId) record.fields['JRNL_HDR_STATUS'] = 'P';
    },
    addPromptValue: (table, value) => {
      if (!prompts.has(table)) prompts.set(table, new Set());
      prompts.get(table)!.add(value);
    },
    summary: () => `${stores.get('ML_PO')!.length} purchase orders, ${stores.get('ML_JOURNAL')!.length} journals`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
