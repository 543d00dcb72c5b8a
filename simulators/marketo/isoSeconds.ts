/** Marketo's timestamp format: ISO-8601 UTC without milliseconds (`2016-05-17T22:11:45Z`). */
export function isoSeconds(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}
