import { randomUUID } from 'node:crypto';

/** A Mailchimp error answer: an RFC 7807 problem document. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>;
}

/** The body Mailchimp sends with an error, `Content-Type: application/problem+json`. */
export function problem(status: number, title: string, detail: string, errors?: Problem['errors']): Problem & Record<string, unknown> {
  return {
    type: 'https://mailchimp.com/developer/marketing/docs/errors/',
    title,
    status,
    detail,
    instance: randomUUID(),
    ...(errors ? { errors } : {}),
  };
}
