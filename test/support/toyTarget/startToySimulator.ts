import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSimulator } from '../../../shared/connectors';

/** The toy CRM's accepted API key (a test value, not a secret). */
export const TOY_API_KEY = 'toy-key';

export interface ToySimulator extends RunningSimulator {
  /** Contacts by lower-cased e-mail. */
  readonly contacts: ReadonlyMap<string, Record<string, unknown>>;
  /** Every `POST /v1/contacts:batch` body received, in order. */
  readonly batches: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>;
}

/**
 * A toy CRM, used only in tests to show that a target is its own folder plus one catalog line:
 * `POST /v1/contacts:batch` upserts or deletes contacts by e-mail (at most 50 per call) and
 * answers one result per item, in order; `GET /v1/contacts?email=a,b` reads them back.
 */
export async function startToySimulator(): Promise<ToySimulator> {
  const contacts = new Map<string, Record<string, unknown>>();
  const batches: Array<Array<Record<string, unknown>>> = [];
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${TOY_API_KEY}`) return send(401, { error: 'unauthorized' });
    const url = new URL(request.url ?? '/', 'http://toy');
    if (request.method === 'GET' && url.pathname === '/v1/contacts') {
      const wanted = (url.searchParams.get('email') ?? '').split(',').map((email) => email.toLowerCase());
      return send(200, { contacts: wanted.flatMap((email) => (contacts.has(email) ? [contacts.get(email)] : [])) });
    }
    if (request.method !== 'POST' || url.pathname !== '/v1/contacts:batch') return send(404, { error: 'no such route' });
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const body = JSON.parse(text) as { items: Array<{ op: 'upsert' | 'delete'; contact: Record<string, unknown> }> };
      if (!Array.isArray(body.items) || body.items.length > 50) return send(400, { error: 'items: 1 to 50 entries' });
      batches.push(body.items.map((item) => item.contact));
      const results = body.items.map((item) => {
        const email = typeof item.contact.email === 'string' ? item.contact.email.toLowerCase() : '';
        if (!/^[^@\s]+@[^@\s]+$/.test(email)) return { status: 'invalid', message: 'email is not an e-mail address' };
        if (item.op === 'delete') return { status: contacts.delete(email) ? 'deleted' : 'missing', id: email };
        const existed = contacts.has(email);
        contacts.set(email, { ...item.contact, email });
        return { status: existed ? 'updated' : 'created', id: email };
      });
      send(200, { results });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    contacts,
    batches,
    summary: () => `${contacts.size} contacts`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
