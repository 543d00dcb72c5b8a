import { CredentialsRefusedError, ErrorKind, ExternalSystemError } from '../../errors';
import { childNamed } from './childNamed';
import { peoplesoftCiLimits } from './peoplesoftCiLimits';
import { readXmlTree, type XmlTreeElement } from './readXmlTree';
import { soapNamespaces } from './soapNamespaces';

/** What the classifier needs besides the answer. */
export interface CiAnswerContext {
  /** The SOAP action called, e.g. `CI_ML_PO_C.V1`. */
  readonly operation: string;
  /** Name of the secret holding the OPRID and password (named when refused; never its value). */
  readonly secretName: string;
  readonly userId: string;
}

/** The parts of an HTTP answer the classifier reads. */
export interface CiAnswerLike {
  readonly status: number;
  readonly text: string;
}

/**
 * An answer to one CI call: the response element of the SOAP body; a validation fault (the
 * record is refused, with PeopleSoft's message and its `set,number`); or an error whose kind says
 * what to do (retryable server trouble, refused credentials, a misconfigured operation or node).
 */
export type CiVerdict =
  | { readonly kind: 'ok'; readonly response: XmlTreeElement }
  | { readonly kind: 'refused'; readonly code?: string; readonly message: string }
  /**
   * Transient trouble. `soapFault`: PeopleSoft answered with a server fault, so the component
   * rolled back; otherwise the answer came from something in front of it (a proxy's 502 page)
   * and a write may or may not have landed.
   */
  | { readonly kind: 'transient'; readonly message: string; readonly soapFault: boolean }
  | { readonly kind: 'error'; readonly error: ExternalSystemError };

const SYSTEM = 'peoplesoft-ci';
/** Integration Broker's own refusals (before any component runs): the setup, not the record, is wrong. */
const SETUP_PROBLEM = /unknown (service )?operation|unable to find a routing|operation .*(not found|not active|inactive|is not defined)|no (active )?(any-to-local )?routing|node .*(not found|unknown|not defined|inactive)|not authorized|security .*(fail|denied)/i;

function texts(element: XmlTreeElement | undefined, local: string): string | undefined {
  if (!element) return undefined;
  if (element.local === local) return element.text;
  for (const child of element.children) {
    const found = texts(child, local);
    if (found !== undefined && found !== '') return found;
  }
  return undefined;
}

/** Fault code local names, 1.1 `faultcode` or 1.2 `Code/Value` and `Subcode/Value`s. */
function faultCodes(fault: XmlTreeElement): string[] {
  const codes: string[] = [];
  const local = (value: string): string => value.slice(value.indexOf(':') + 1);
  const faultcode = childNamed(fault, 'faultcode');
  if (faultcode) codes.push(local(faultcode.text));
  let code = childNamed(fault, 'Code');
  while (code) {
    const value = childNamed(code, 'Value');
    if (value) codes.push(local(value.text));
    code = childNamed(code, 'Subcode');
  }
  return codes;
}

/**
 * The one classifier of the CI-service boundary. SOAP answers faults with HTTP 500 (1.1) or
 * 400 / 500 (1.2), so the fault code decides, not the status: `Client` / `Sender` is the record
 * (PeopleSoft's validation message, e.g. an invalid prompt value, is the reason), `Server` /
 * `Receiver` is transient, a WS-Security `FailedAuthentication` or an HTTP 401 is the
 * credentials. Integration Broker's own refusals (unknown operation, no routing, unknown node)
 * are misconfiguration. An answer that is not SOAP at all (a proxy's 502 page) is retryable.
 */
export function classifyCiAnswer(answer: CiAnswerLike, context: CiAnswerContext): CiVerdict {
  const { status } = answer;
  const base = { system: SYSTEM, operation: context.operation, status };
  const error = (message: string, kind: ErrorKind, hint?: string): CiVerdict => ({
    kind: 'error',
    error: new ExternalSystemError(message, { ...base, kind, ...(hint ? { hint } : {}) }),
  });
  const refusedCredentials = (message: string): CiVerdict => ({
    kind: 'error',
    error: new CredentialsRefusedError(message, {
      ...base,
      secretName: context.secretName,
      hint: `PeopleSoft refused OPRID ${context.userId} of secret ${context.secretName}: check userId and password, and that the account is not locked`,
    }),
  });
  if (status === 401) return refusedCredentials('HTTP 401');
  const parsed = readXmlTree(answer.text, peoplesoftCiLimits.maxXmlDepth);
  const envelope = parsed.ok ? parsed.root : undefined;
  const soap = envelope?.local === 'Envelope' && (envelope.ns === soapNamespaces['1.1'] || envelope.ns === soapNamespaces['1.2']);
  if (!envelope || !soap) {
    const said = parsed.ok ? `a <${parsed.root.local}> document` : parsed.reason;
    if (status === 404) return error(`HTTP 404 (${said})`, ErrorKind.Misconfigured, 'check baseUrl and node: the listening connector is https://host:port/PSIGW/PeopleSoftServiceListeningConnector');
    if (status === 403) return error(`HTTP 403 (${said})`, ErrorKind.Misconfigured, 'the web server refused the call: check that the static egress IP is allowed');
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) return error(`HTTP ${status} (${said})`, ErrorKind.Misconfigured);
    return { kind: 'transient', message: `HTTP ${status} with an answer that is not a SOAP envelope (${said})`, soapFault: false };
  }
  const body = childNamed(envelope, 'Body', envelope.ns);
  const first = body?.children[0];
  if (!body || !first) return { kind: 'transient', message: `HTTP ${status} with a SOAP envelope without a body`, soapFault: false };
  if (first.local !== 'Fault') {
    if (status >= 200 && status < 300) return { kind: 'ok', response: first };
    return { kind: 'transient', message: `HTTP ${status} with a SOAP body that is not a fault`, soapFault: false };
  }
  const codes = faultCodes(first);
  const detail = childNamed(first, 'detail') ?? childNamed(first, 'Detail');
  const reason = childNamed(first, 'faultstring')?.text || texts(childNamed(first, 'Reason'), 'Text') || '';
  const message = (texts(detail, 'DefaultMessage') || reason || 'a SOAP fault without a message').replace(/\s+/g, ' ').trim();
  const set = texts(detail, 'MessageSet') ?? texts(detail, 'MessageSetNumber');
  const number = texts(detail, 'MessageID') ?? texts(detail, 'MessageNumber');
  const code = set && number ? `${set},${number}` : undefined;
  if (codes.some((value) => /^(FailedAuthentication|InvalidSecurity|InvalidSecurityToken)$/.test(value))) return refusedCredentials(`SOAP fault: ${message}`);
  if (codes.some((value) => value === 'VersionMismatch' || value === 'MustUnderstand')) {
    return error(`SOAP fault ${codes.join('/')}: ${message}`, ErrorKind.Misconfigured, 'set soapVersion to the version the listening connector speaks');
  }
  if (SETUP_PROBLEM.test(message)) {
    return error(`SOAP fault: ${message}`, ErrorKind.Misconfigured, 'check the operation name and version, that the service operation is active with an any-to-local routing, and the node name');
  }
  if (codes.some((value) => value === 'Client' || value === 'Sender')) return { kind: 'refused', ...(code ? { code } : {}), message };
  return { kind: 'transient', message: `SOAP fault${codes.length > 0 ? ` ${codes.join('/')}` : ''}: ${message}${code ? ` (${code})` : ''}`, soapFault: true };
}
