import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSoapRequest, readXmlTree, type XmlTreeElement } from '../../shared/connectors/peoplesoft-ci';
import { startPeopleSoftCiSimulator, type PeopleSoftCiSimulator } from '../../simulators/peoplesoft-ci';

let sim: PeopleSoftCiSimulator;
beforeAll(async () => {
  sim = await startPeopleSoftCiSimulator();
});
afterAll(async () => {
  await sim.stop();
});

const token = { userId: 'ML_SYNC', password: 'sim-peoplesoft-ci-password' };
const LISTENER = '/PSIGW/PeopleSoftServiceListeningConnector/PSFT_EP';

async function post(body: string, headers: Record<string, string>, path = LISTENER) {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  const tree = readXmlTree(text);
  return { status: response.status, text, root: tree.ok ? tree.root : undefined };
}

function soap(action: string, element: string, fields: Record<string, unknown>, soapVersion: '1.1' | '1.2' = '1.1', withToken = true) {
  return buildSoapRequest({ soapVersion, action, bodyElement: element, fields, ...(withToken ? { usernameToken: token } : {}) });
}

function find(element: XmlTreeElement | undefined, local: string): XmlTreeElement | undefined {
  if (!element) return undefined;
  if (element.local === local) return element;
  for (const child of element.children) {
    const found = find(child, local);
    if (found) return found;
  }
  return undefined;
}

const po = { BUSINESS_UNIT: 'US001', VENDOR_ID: '0000000003', PO_DT: '2025-01-02', PO_REF: 'SIM-1', PO_LINE: [{ LINE_NBR: 1, QTY_PO: 1, PRICE_PO: '9.99' }] };

describe('PeopleSoft CI-service simulator: the SOAP listener', () => {
  it('creates with keys numbered by PeopleSoft, finds by prefix, gets the buffer and updates with a notification', async () => {
    const create = soap('CI_ML_PO_C.V1', 'Create__CompIntfc__ML_PO', po);
    const created = await post(create.body, create.headers);
    expect(created.status).toBe(200);
    expect(find(created.root, 'Create__CompIntfc__ML_POResponse')).toBeDefined();
    const poId = find(find(created.root, 'ML_PO'), 'PO_ID')!.text;
    expect(poId).toMatch(/^\d{10}$/);

    const lookup = soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', { PO_REF: 'SIM' });
    const found = await post(lookup.body, lookup.headers);
    expect(find(found.root, 'Find__CompIntfc__ML_POResponse')!.children.map((entry) => find(entry, 'PO_REF')!.text)).toContain('SIM-1');

    const get = soap('CI_ML_PO_G.V1', 'Get__CompIntfc__ML_PO', { BUSINESS_UNIT: 'US001', PO_ID: poId });
    const got = await post(get.body, get.headers);
    expect(find(got.root, 'VENDOR_ID')!.text).toBe('0000000003');
    expect(find(got.root, 'PO_LINE')!.children.map((field) => field.local)).toEqual(['LINE_NBR', 'QTY_PO', 'PRICE_PO']);

    const update = soap('CI_ML_PO_UD.V1', 'Updatedata__CompIntfc__ML_PO', { BUSINESS_UNIT: 'US001', PO_ID: poId, BUYER_ID: 'JSMITH' });
    const updated = await post(update.body, update.headers);
    expect(find(updated.root, 'notification')!.text).toBe('1');
    expect(sim.recordsWhere('ML_PO', 'PO_ID', poId)[0]!.fields['BUYER_ID']).toBe('JSMITH');
  });

  it.each([
    ['an unknown property', { ...po, COLOR: 'red' }, '{ML_PO} Property COLOR is not defined in the component interface.'],
    ['a missing required field', { ...po, VENDOR_ID: undefined }, '{ML_PO.VENDOR_ID} Field is required.'],
    ['a value not in the prompt table', { ...po, BUSINESS_UNIT: 'XX999' }, "{ML_PO.BUSINESS_UNIT} Invalid value 'XX999' -- press the prompt button or hyperlink for a list of valid values (15,11)"],
    ['a number that is not one', { ...po, PO_LINE: [{ LINE_NBR: 1, QTY_PO: 'ten', PRICE_PO: 1 }] }, "{ML_PO.PO_LINE(1).QTY_PO} Invalid number: 'ten'."],
    ['a bad date', { ...po, PO_DT: '01/02/2025' }, "{ML_PO.PO_DT} Invalid date: '01/02/2025' (expected YYYY-MM-DD)."],
    ['a display-only field', { ...po, PO_STATUS: 'C' }, '{ML_PO.PO_STATUS} Field is display-only and cannot be changed.'],
  ])('answers %s with a Client fault carrying the message', async (_case, fields, message) => {
    const before = sim.records('ML_PO').length;
    const request = soap('CI_ML_PO_C.V1', 'Create__CompIntfc__ML_PO', fields);
    const answer = await post(request.body, request.headers);
    expect(answer.status).toBe(500);
    expect(find(answer.root, 'faultcode')!.text).toBe('soapenv:Client');
    expect(find(answer.root, 'DefaultMessage')!.text).toBe(message);
    expect(sim.records('ML_PO')).toHaveLength(before);
  });

  it('answers SOAP 1.2 with a Sender fault (HTTP 400) and the action taken from the content type', async () => {
    const request = soap('CI_ML_PO_G.V1', 'Get__CompIntfc__ML_PO', { BUSINESS_UNIT: 'US001', PO_ID: '9999999999' }, '1.2');
    const answer = await post(request.body, request.headers);
    expect(answer.status).toBe(400);
    expect(answer.root!.ns).toBe('http://www.w3.org/2003/05/soap-envelope');
    expect(find(find(answer.root, 'Code'), 'Value')!.text).toBe('env:Sender');
    expect(find(answer.root, 'Text')!.text).toBe('No rows exist for the specified keys. {ML_PO.Get} (91,50)');
  });

  it('refuses a call without credentials, or with a wrong WS-Security password, with a FailedAuthentication fault', async () => {
    const bare = soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', { PO_REF: 'x' }, '1.1', false);
    expect(find((await post(bare.body, bare.headers)).root, 'faultcode')!.text).toBe('wsse:FailedAuthentication');
    const wrong = buildSoapRequest({ soapVersion: '1.1', action: 'CI_ML_PO_F.V1', bodyElement: 'Find__CompIntfc__ML_PO', fields: { PO_REF: 'x' }, usernameToken: { userId: 'ML_SYNC', password: 'x' } });
    const answer = await post(wrong.body, wrong.headers);
    expect(answer.status).toBe(500);
    expect(find(answer.root, 'faultcode')!.text).toBe('wsse:FailedAuthentication');
  });

  it('accepts HTTP Basic, and refuses a wrong Basic password with 401', async () => {
    const request = soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', { PO_REF: 'none' }, '1.1', false);
    const basic = (password: string) => `Basic ${Buffer.from(`ML_SYNC:${password}`).toString('base64')}`;
    expect((await post(request.body, { ...request.headers, authorization: basic(token.password) })).status).toBe(200);
    expect((await post(request.body, { ...request.headers, authorization: basic('wrong') })).status).toBe(401);
  });

  it.each([
    ['a SOAP 1.2 envelope sent as SOAP 1.1', () => ({ body: soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', {}, '1.2').body, headers: soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', {}, '1.1').headers }), 'soapenv:VersionMismatch'],
    ['no SOAPAction', () => ({ body: soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', {}).body, headers: { 'content-type': 'text/xml' } }), 'soapenv:Client'],
    ['an inactive or unknown operation', () => soap('CI_ML_VENDOR_C.V1', 'Create__CompIntfc__ML_VENDOR', {}), 'soapenv:Server'],
    ['a body element of another method', () => soap('CI_ML_PO_F.V1', 'Create__CompIntfc__ML_PO', {}), 'soapenv:Client'],
    [
      'a header it must understand but does not',
      () => ({
        body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><t:Trace xmlns:t="urn:x" s:mustUnderstand="1"/></s:Header><s:Body><Find__CompIntfc__ML_PO/></s:Body></s:Envelope>`,
        headers: { 'content-type': 'text/xml', soapaction: 'CI_ML_PO_F.V1' },
      }),
      'soapenv:MustUnderstand',
    ],
    [
      'a DOCTYPE (entity expansion)',
      () => ({ body: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&a;</s:Body></s:Envelope>`, headers: { 'content-type': 'text/xml', soapaction: 'CI_ML_PO_F.V1' } }),
      'soapenv:Client',
    ],
  ])('answers %s with a fault', async (_case, requestOf, faultcode) => {
    const request = requestOf();
    const answer = await post(request.body, request.headers);
    expect(answer.status).toBe(500);
    expect(find(answer.root, 'faultcode')!.text).toBe(faultcode);
  });

  it('refuses a wrong node, a wrong path and a GET, and serves the WSDL listing the active operations', async () => {
    const request = soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', {});
    expect(find((await post(request.body, request.headers, '/PSIGW/PeopleSoftServiceListeningConnector/PSFT_HR')).root, 'DefaultMessage')!.text).toMatch(/Node PSFT_HR not found/);
    expect((await post(request.body, request.headers, '/PSIGW/RESTListeningConnector/PSFT_EP')).status).toBe(404);
    expect((await fetch(`${sim.url}${LISTENER}`)).status).toBe(405);
    const wsdl = await (await fetch(`${sim.url}${LISTENER}?Operation=GetWSDL&wsdl=CI_ML_JOURNAL.V1`)).text();
    expect(wsdl).toContain('name="CI_ML_JOURNAL_C"');
    expect(wsdl).toContain('soapAction="CI_ML_JOURNAL_UD.V1"');
  });

  it('refuses an unbalanced journal with the amounts', async () => {
    const lines = [{ ACCOUNT: '610000', MONETARY_AMOUNT: '10.00' }, { ACCOUNT: '200100', MONETARY_AMOUNT: '-9.99' }];
    const request = soap('CI_ML_JOURNAL_C.V1', 'Create__CompIntfc__ML_JOURNAL', { BUSINESS_UNIT: 'US001', JOURNAL_DATE: '2025-02-28', JRNL_LN: lines });
    expect(find((await post(request.body, request.headers)).root, 'DefaultMessage')!.text).toBe('{ML_JOURNAL} Journal is out of balance: debits 10.00, credits 9.99.');
  });

  it('answers a scripted server fault and a web server 503 once each, then normally', async () => {
    sim.fail({ kind: 'server', method: 'find' });
    sim.fail({ kind: 'unavailable', method: 'find' });
    const request = soap('CI_ML_PO_F.V1', 'Find__CompIntfc__ML_PO', { PO_REF: 'none' });
    expect(find((await post(request.body, request.headers)).root, 'faultcode')!.text).toBe('soapenv:Server');
    const unavailable = await post(request.body, request.headers);
    expect(unavailable.status).toBe(503);
    expect(unavailable.root?.local).not.toBe('Envelope');
    expect((await post(request.body, request.headers)).status).toBe(200);
  });
});
