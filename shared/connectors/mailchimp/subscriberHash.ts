import { createHash } from 'node:crypto';

/** Mailchimp's member id: the MD5 of the lower-cased e-mail address, as 32 hex characters. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.toLowerCase()).digest('hex');
}
