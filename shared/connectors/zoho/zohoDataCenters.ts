/**
 * The accounts server (OAuth) of each Zoho data center. API calls never use a table like this:
 * they go to the `api_domain` the token answer names.
 * https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html
 */
export const zohoDataCenters = {
  us: 'https://accounts.zoho.com',
  eu: 'https://accounts.zoho.eu',
  in: 'https://accounts.zoho.in',
  au: 'https://accounts.zoho.com.au',
  jp: 'https://accounts.zoho.jp',
  cn: 'https://accounts.zoho.com.cn',
  ca: 'https://accounts.zohocloud.ca',
  sa: 'https://accounts.zoho.sa',
} as const;

export type ZohoDataCenter = keyof typeof zohoDataCenters;
