import { escapeXml } from './escapeXml';
import { soapNamespaces } from './soapNamespaces';

/** One call of a component-interface service operation. */
export interface SoapRequestInput {
  readonly soapVersion: '1.1' | '1.2';
  /** The SOAP action: `<operation>.<version>`, e.g. `CI_ML_PO_C.V1`. */
  readonly action: string;
  /** The body element: `<Method>__CompIntfc__<CI>`, e.g. `Create__CompIntfc__ML_PO`. */
  readonly bodyElement: string;
  /** The CI buffer (or keys): scalars become elements, lists of objects become repeated collection rows. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** For WS-Security: the UsernameToken to put in the SOAP header (absent with Basic auth). */
  readonly usernameToken?: { readonly userId: string; readonly password: string };
}

/** The body and the version-specific headers of a SOAP request. */
export interface SoapRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

function valueText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'Y' : 'N';
  return String(value);
}

function elements(fields: Readonly<Record<string, unknown>>): string {
  let xml = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const row of value) {
        if (row !== null && typeof row === 'object' && !Array.isArray(row)) xml += `<${name}>${elements(row as Record<string, unknown>)}</${name}>`;
      }
    } else if (value !== null && typeof value === 'object') {
      xml += `<${name}>${elements(value as Record<string, unknown>)}</${name}>`;
    } else if (value === null || value === '') {
      // An empty property: PeopleSoft blanks the field.
      xml += `<${name}/>`;
    } else {
      xml += `<${name}>${escapeXml(valueText(value))}</${name}>`;
    }
  }
  return xml;
}

/**
 * Builds a SOAP 1.1 or 1.2 request to PeopleSoft's service listening connector: SOAP 1.1 names
 * the operation in a `SOAPAction` header and is sent as `text/xml`; SOAP 1.2 sends it as the
 * `action` parameter of `application/soap+xml`. With WS-Security the OPRID and password travel
 * as a UsernameToken (PasswordText) in a `wsse:Security` header the server must understand.
 * https://docs.oracle.com/cd/F28299_01/pt857pbr3/eng/pt/tiba/task_WorkingWiththePeopleSoftServicesListeningConnector-fe7f06.html
 */
export function buildSoapRequest(input: SoapRequestInput): SoapRequest {
  const envelopeNs = soapNamespaces[input.soapVersion];
  const mustUnderstand = input.soapVersion === '1.1' ? '1' : 'true';
  const header = input.usernameToken
    ? `<soap:Header><wsse:Security xmlns:wsse="${soapNamespaces.wsse}" soap:mustUnderstand="${mustUnderstand}">` +
      `<wsse:UsernameToken><wsse:Username>${escapeXml(input.usernameToken.userId)}</wsse:Username>` +
      `<wsse:Password Type="${soapNamespaces.passwordText}">${escapeXml(input.usernameToken.password)}</wsse:Password>` +
      '</wsse:UsernameToken></wsse:Security></soap:Header>'
    : '';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${envelopeNs}">${header}` +
    `<soap:Body><${input.bodyElement}>${elements(input.fields)}</${input.bodyElement}></soap:Body></soap:Envelope>`;
  const headers: Record<string, string> =
    input.soapVersion === '1.1'
      ? { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${input.action}"` }
      : { 'content-type': `application/soap+xml; charset=utf-8; action="${input.action}"` };
  return { body, headers: { ...headers, accept: input.soapVersion === '1.1' ? 'text/xml' : 'application/soap+xml' } };
}
