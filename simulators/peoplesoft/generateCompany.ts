import { pick, randomInt, seededRandom } from './seededRandom';

/** A row of the simulated companies operation, as served (`LASTUPDDTTM` formatted on the wire). */
export interface Company {
  readonly COMPANY: string;
  readonly DESCR: string;
  readonly ADDRESS1: string;
  readonly CITY: string;
  readonly STATE: string;
  readonly POSTAL: string;
  readonly COUNTRY: string;
  readonly PHONE: string;
  readonly EFF_STATUS: string;
  readonly LASTUPDDTTM: string;
  readonly [field: string]: unknown;
}

// Ids are in ascending order so that the key order of seeded rows follows their index.
const KNOWN: ReadonlyArray<readonly [id: string, name: string, city: string, state: string, postal: string]> = [
  ['ACM', 'Acme Manufacturing', 'Chicago', 'IL', '60601'],
  ['BLR', 'Blue Ridge Logistics', 'Atlanta', 'GA', '30303'],
  ['CRS', 'Crescent Health', 'Boston', 'MA', '02108'],
  ['DLT', 'Delta Foods', 'Dallas', 'TX', '75201'],
  ['EVG', 'Evergreen Energy', 'Seattle', 'WA', '98101'],
  ['FRN', 'Frontier Analytics', 'Denver', 'CO', '80202'],
  ['GLD', 'Golden Gate Media', 'San Francisco', 'CA', '94105'],
  ['HBR', 'Harbor Construction', 'Baltimore', 'MD', '21202'],
  ['IRN', 'Ironwood Insurance', 'Hartford', 'CT', '06103'],
  ['JNP', 'Juniper Retail', 'Phoenix', 'AZ', '85004'],
  ['KST', 'Keystone Bank', 'Philadelphia', 'PA', '19103'],
  ['LKS', 'Lakeside Realty', 'Minneapolis', 'MN', '55402'],
];

const STREETS = ['Main St', 'Commerce Blvd', 'Market St', 'Lake Ave', 'Park Pl', 'Industrial Way', 'Oak St'];

/** The id of the seeded company at `index`: three characters, ascending with the index. */
export function companyIdAt(index: number): string {
  return KNOWN[index]?.[0] ?? `Z${index.toString(36).toUpperCase().padStart(2, '0')}`;
}

/** The seeded company at `index`, stamped with `lastUpdated` (ISO). */
export function generateCompany(seed: number, index: number, lastUpdated: string): Record<string, unknown> {
  const random = seededRandom(seed, 2, index);
  const known = KNOWN[index];
  const id = companyIdAt(index);
  return {
    COMPANY: id,
    DESCR: known?.[1] ?? `Company ${id}`,
    ADDRESS1: `${randomInt(random, 1, 9999)} ${pick(random, STREETS)}`,
    CITY: known?.[2] ?? 'Springfield',
    STATE: known?.[3] ?? 'IL',
    POSTAL: known?.[4] ?? String(randomInt(random, 10000, 99999)),
    COUNTRY: 'USA',
    PHONE: `${randomInt(random, 200, 989)}/${randomInt(random, 200, 999)}-${String(randomInt(random, 0, 9999)).padStart(4, '0')}`,
    EFF_STATUS: 'A',
    LASTUPDDTTM: lastUpdated,
  };
}
