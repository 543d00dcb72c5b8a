import { createHash } from 'node:crypto';

/**
 * The `channel_id` (a long, chosen by the subscriber) of a pushed source's channel: derived from
 * the source's name and front-door URL, so every renewal finds the same channel and two stacks
 * on one org never share one. 15 hex digits: always below 2^63.
 */
export function zohoChannelId(name: string, url: string): string {
  return BigInt(`0x${createHash('sha256').update(`${name}\n${url}`).digest('hex').slice(0, 15)}`).toString();
}
