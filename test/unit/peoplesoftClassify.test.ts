import { describe, expect, it } from 'vitest';
import { ErrorKind, ExternalSystemError } from '../../shared/errors';
import type { HttpResponse } from '../../shared/http';
import { classifyPeopleSoftResponse } from '../../shared/peoplesoft';
import type { PeopleSoftCallContext, PeopleSoftReading } from '../../shared/peoplesoft';

const PATH = '/PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v1';

const basic: PeopleSoftCallContext = {
  operation: `GET ${PATH}`,
  entity: 'employees',
  serviceOperation: 'ML_EMPLOYEES_GET.v1',
  node: 'PSFT_HR',
  principal: { kind: 'basic', oprid: 'ML_INTEGRATION' },
  recordsPath: 'data',
  countPath: 'totalRows',
  morePath: 'hasMore',
  now: new Date('2025-01-01T00:00:00Z'),
};
const bearer: PeopleSoftCallContext = { ...basic, principal: { kind: 'oauth2', clientId: 'ml-connector-client' } };

function response(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, text, headers: new Headers(headers), url: new URL(`https://hr.example.com${PATH}?page=1`) };
}

const ib = (message: string): string =>
  `<?xml version="1.0"?><IBResponse type="error"><DefaultTitle>Integration Broker Response</DefaultTitle>` +
  `<StatusCode>20</StatusCode><DefaultMessage>${message}</DefaultMessage></IBResponse>`;
const html = (title: string): string => `<!DOCTYPE html><html><head><title>${title}</title></head><body>oops</body></html>`;
const XML = { 'content-type': 'text/xml' };
const HTML = { 'content-type': 'text/html; charset=UTF-8' };
const JSON_TYPE = { 'content-type': 'application/json' };

function errorOf(reading: PeopleSoftReading): ExternalSystemError {
  if (reading.ok) throw new Error('expected a classified error');
  return reading.error;
}

describe('classifyPeopleSoftResponse turns failures into errors that say what to do', () => {
  const cases: ReadonlyArray<[string, HttpResponse, PeopleSoftCallContext, ErrorKind, RegExp]> = [
    [
      '401 names the OPRID and says to check the password',
      response(401, html('401 Unauthorized'), { ...HTML, 'www-authenticate': 'Basic realm="PSIGW"' }),
      basic,
      ErrorKind.Misconfigured,
      /PeopleSoft rejected the credentials of OPRID ML_INTEGRATION: check the user and password/,
    ],
    [
      '401 to a bearer token names the OAuth2 client',
      response(401, html('401 Unauthorized'), HTML),
      bearer,
      ErrorKind.Misconfigured,
      /rejected the bearer token of OAuth2 client ml-connector-client/,
    ],
    [
      '403 says to add the operation to a permission list',
      response(403, ib('User ML_INTEGRATION is not authorized to invoke service operation ML_EMPLOYEES_GET.'), XML),
      basic,
      ErrorKind.Misconfigured,
      /OPRID ML_INTEGRATION lacks permission for operation ML_EMPLOYEES_GET\.v1: add it to a permission list/,
    ],
    [
      '500 IBResponse about the node says the node name is wrong',
      response(500, ib('Unknown node PSFT_XX: no such node is defined in Integration Broker.'), XML),
      { ...basic, node: 'PSFT_XX' },
      ErrorKind.Misconfigured,
      /wrong node name PSFT_XX/,
    ],
    [
      '500 IBResponse about an inactive operation says to activate it',
      response(500, ib('Service operation ML_EMPLOYEES_GET.v1 is not active or does not exist.'), XML),
      basic,
      ErrorKind.Misconfigured,
      /activate the service operation ML_EMPLOYEES_GET\.v1 in Integration Broker/,
    ],
    [
      'IBResponse saying "inactive" says to activate it',
      response(500, ib('The service operation version is inactive.'), {}),
      basic,
      ErrorKind.Misconfigured,
      /activate the service operation/,
    ],
    [
      'another Integration Broker failure is retried',
      response(500, ib('Handler threw: SQL error, deadlock detected'), XML),
      basic,
      ErrorKind.Retryable,
      /Integration Broker error: "Handler threw: SQL error, deadlock detected"/,
    ],
    ['a gateway 500 page is retried', response(500, html('Error 500'), HTML), basic, ErrorKind.Retryable, /HTTP 500 \(Error 500\)/],
    ['503 is retried', response(503, 'Service Unavailable'), basic, ErrorKind.Retryable, /HTTP 503/],
    ['502 is retried', response(502, ''), basic, ErrorKind.Retryable, /HTTP 502/],
    ['408 is retried', response(408, ''), basic, ErrorKind.Retryable, /HTTP 408/],
    ['429 from a proxy waits', response(429, '', { 'retry-after': '7' }), basic, ErrorKind.RateLimited, /HTTP 429/],
    ['404 points at the base URL', response(404, html('404 Not Found'), HTML), basic, ErrorKind.Misconfigured, /check peoplesoft\.baseUrl/],
    [
      '400 names the refused parameter',
      response(400, JSON.stringify({ error: 'invalid updated_since "x"', parameter: 'updated_since' }), JSON_TYPE),
      basic,
      ErrorKind.Misconfigured,
      /HTTP 400: invalid updated_since "x".*peoplesoft\.entities\.employees\.params/,
    ],
    [
      '200 with an HTML page is an HTML error page, retried',
      response(200, html('Error 500--Internal Server Error'), HTML),
      basic,
      ErrorKind.Retryable,
      /PeopleSoft returned an HTML error page instead of JSON \(HTTP 200, "Error 500--Internal Server Error"\)/,
    ],
    [
      '200 with markup but a JSON content type is still an HTML page',
      response(200, '<html><body>Proxy error</body></html>', JSON_TYPE),
      basic,
      ErrorKind.Retryable,
      /HTML error page/,
    ],
    [
      '200 with truncated JSON is malformed JSON, retried',
      response(200, '{"data":[{"EMPLID":"1000', JSON_TYPE),
      basic,
      ErrorKind.Retryable,
      /PeopleSoft returned malformed JSON/,
    ],
    [
      '200 without records at recordsPath names recordsPath',
      response(200, JSON.stringify({ rows: [] }), JSON_TYPE),
      basic,
      ErrorKind.Misconfigured,
      /no record array at recordsPath "data".*set peoplesoft\.entities\.employees\.recordsPath/,
    ],
  ];

  it.each(cases)('%s', (_, answer, context, kind, message) => {
    const error = errorOf(classifyPeopleSoftResponse(answer, context));
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(answer.status);
    expect(error.message).toMatch(message);
  });

  it('names the URL path, never the query or the host credentials', () => {
    const error = errorOf(classifyPeopleSoftResponse(response(200, html('Error'), HTML), basic));
    expect(error.message).toContain(PATH);
    expect(error.message).not.toContain('page=1');
  });

  it('reads Retry-After into the wait of a rate limit', () => {
    expect(errorOf(classifyPeopleSoftResponse(response(429, '', { 'retry-after': '7' }), basic)).retryAfterMs).toBe(7000);
  });

  it('does not echo the body of malformed JSON', () => {
    const error = errorOf(classifyPeopleSoftResponse(response(200, '{"data":[{"EMAIL_ADDR":"ada@exam', JSON_TYPE), basic));
    expect(error.message).not.toContain('ada@exam');
  });
});

describe('classifyPeopleSoftResponse reads pages', () => {
  it('returns the records, the total and the more flag', () => {
    const body = { data: [{ EMPLID: '1' }, { EMPLID: '2' }], page: 1, rows: 2, totalRows: 5, hasMore: true };
    expect(classifyPeopleSoftResponse(response(200, JSON.stringify(body), JSON_TYPE), basic)).toEqual({
      ok: true,
      records: body.data,
      total: 5,
      more: true,
    });
  });

  it('follows nested paths and tolerates counts written as text', () => {
    const body = { response: { rows: [{ EMPLID: '1' }], count: '1', paging: { more: 'N' } } };
    const context = { ...basic, recordsPath: 'response.rows', countPath: 'response.count', morePath: 'response.paging.more' };
    expect(classifyPeopleSoftResponse(response(200, JSON.stringify(body), JSON_TYPE), context)).toEqual({
      ok: true,
      records: [{ EMPLID: '1' }],
      total: 1,
      more: false,
    });
  });

  it('reads a bare array when recordsPath is empty, without total or more flag', () => {
    const context: PeopleSoftCallContext = { ...basic, recordsPath: '', countPath: undefined, morePath: undefined };
    expect(classifyPeopleSoftResponse(response(200, '[{"EMPLID":"1"}]', JSON_TYPE), context)).toEqual({
      ok: true,
      records: [{ EMPLID: '1' }],
    });
  });
});
