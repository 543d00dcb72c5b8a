// Marketo's daily quota resets at midnight US Central time; Intl follows the CST/CDT switch,
// which a fixed -06:00 offset would get wrong for half the year.
const chicagoDate = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Chicago',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar day (`YYYY-MM-DD`) in America/Chicago at `at`: the unit of Marketo's daily quota. */
export function chicagoDayKey(at: Date): string {
  let year = '';
  let month = '';
  let day = '';
  for (const part of chicagoDate.formatToParts(at)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year}-${month}-${day}`;
}
