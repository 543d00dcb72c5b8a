import type { HttpClient, HttpResponse } from '../http';

/**
 * Posts an OAuth token grant as a form (never in the query string: a secret must not sit in a
 * URL that may be logged) and returns the answer with its body parsed as JSON when it is JSON.
 * The caller classifies the answer: each authorization server words its refusals its own way.
 */
export async function postTokenForm(
  http: HttpClient,
  url: URL,
  params: Readonly<Record<string, string>>,
  operation: string,
): Promise<{ readonly response: HttpResponse; readonly json: unknown }> {
  const response = await http.send({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
    operation,
  });
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    json = undefined;
  }
  return { response, json };
}
