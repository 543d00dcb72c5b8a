import { pick, randomInt, seededRandom } from './seededRandom';

/**
 * Seeded rows of the simulated Financials (FSCM) operations: vendors (VENDOR_CI data), customers
 * with their contacts (CUSTOMER_CI), effective-dated GL accounts and purchase orders with their
 * lines. Keys are PeopleSoft's composite keys; a row's table key joins them with `|`, ascending
 * with the row's index.
 */

const NAMES = [
  'Acme Concrete', 'Beacon Steel', 'Cedar Lumber', 'Delta Electric', 'Eagle Plumbing', 'Falcon Paving', 'Granite Supply',
  'Harbor Glass', 'Iron Ridge Rentals', 'Jade Landscaping', 'Keystone Roofing', 'Lakeside HVAC', 'Mesa Drywall', 'Northwind Crane',
];
const CITIES: ReadonlyArray<readonly [string, string, string]> = [
  ['Chicago', 'IL', '60601'], ['Atlanta', 'GA', '30303'], ['Dallas', 'TX', '75201'], ['Denver', 'CO', '80202'], ['Seattle', 'WA', '98101'],
];
const STREETS = ['Main St', 'Commerce Blvd', 'Market St', 'Industrial Way', 'Oak St'];
const FIRST = ['Ana', 'Ben', 'Chloe', 'Dev', 'Elena', 'Femi', 'Grace', 'Hugo', 'Ines', 'Jon'];
const LAST = ['Ali', 'Brown', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Hill', 'Ito', 'Jones'];
const ACCOUNTS: ReadonlyArray<readonly [string, string]> = [
  ['A', 'Cash'], ['A', 'Accounts Receivable'], ['L', 'Accounts Payable'], ['E', 'Materials'], ['E', 'Subcontracts'], ['R', 'Contract Revenue'],
];
const ITEMS = ['Ready-mix concrete (m3)', 'Rebar #5 (t)', 'Crane rental (day)', 'Electrical rough-in (lot)', 'Drywall board (sheet)'];

const SETID = 'SHARE';
const BUSINESS_UNIT = 'US001';

function address(random: () => number): Record<string, string> {
  const [city, state, postal] = pick(random, CITIES);
  return { ADDRESS1: `${randomInt(random, 1, 9999)} ${pick(random, STREETS)}`, CITY: city, STATE: state, POSTAL: postal, COUNTRY: 'USA' };
}

function padded(value: number): string {
  return String(value).padStart(10, '0');
}

/** Table key of the seeded vendor at `index`: `SHARE|0000000001`, ... */
export const vendorKeyAt = (index: number): string => `${SETID}|${padded(index + 1)}`;
/** Table key of the seeded customer at `index`: `SHARE|C000000001`, ... */
export const customerKeyAt = (index: number): string => `${SETID}|C${padded(index + 1).slice(1)}`;
/** Table key of the seeded GL account row at `index`: `SHARE|100000|2019-01-01` (every seeded row is effective 2019-01-01). */
export const glAccountKeyAt = (index: number): string => `${SETID}|${100_000 + index * 10}|2019-01-01`;
/** Table key of the seeded purchase order at `index`: `US001|0000000001`, ... */
export const purchaseOrderKeyAt = (index: number): string => `${BUSINESS_UNIT}|${padded(index + 1)}`;

/** Index of a seeded row from its table key, for keys built by the `...KeyAt` functions. */
export function indexOfKey(keyAt: (index: number) => string, key: string, count: number): number | undefined {
  const digits = /(\d+)(?:\|\d{4}-\d{2}-\d{2})?$/.exec(key)?.[1];
  if (digits === undefined) return undefined;
  for (const guess of [Number(digits) - 1, (Number(digits) - 100_000) / 10]) {
    if (Number.isInteger(guess) && guess >= 0 && guess < count && keyAt(guess) === key) return guess;
  }
  return undefined;
}

export function generateVendor(seed: number, index: number, lastUpdated: string): Record<string, unknown> {
  const random = seededRandom(seed, 3, index);
  return {
    SETID,
    VENDOR_ID: padded(index + 1),
    NAME1: `${pick(random, NAMES)}${index >= NAMES.length ? ` ${index + 1}` : ''}`,
    VENDOR_CLASS: pick(random, ['R', 'R', 'R', 'E']),
    VENDOR_STATUS: 'A',
    ...address(random),
    PYMNT_TERMS_CD: pick(random, ['N30', 'N45', 'N60', '2/10N30']),
    LASTUPDDTTM: lastUpdated,
  };
}

export function generateCustomer(seed: number, index: number, lastUpdated: string): Record<string, unknown> {
  const random = seededRandom(seed, 4, index);
  const custId = customerKeyAt(index).split('|')[1]!;
  const contacts = Array.from({ length: randomInt(random, 1, 3) }, (_, contact) => {
    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    return {
      CNTCT_SEQ_NUM: contact + 1,
      FIRST_NAME: first,
      LAST_NAME: last,
      EMAIL_ADDR: `${first}.${last}.${custId}.${contact + 1}@customer.example`.toLowerCase(),
      PHONE: `${randomInt(random, 200, 989)}/555-${String(randomInt(random, 0, 9999)).padStart(4, '0')}`,
    };
  });
  return {
    SETID,
    CUST_ID: custId,
    NAME1: `${pick(random, NAMES).split(' ')[0]} Holdings ${index + 1}`,
    CUST_STATUS: 'A',
    ...address(random),
    CONTACTS: contacts,
    LASTUPDDTTM: lastUpdated,
  };
}

export function generateGlAccount(seed: number, index: number, lastUpdated: string): Record<string, unknown> {
  const random = seededRandom(seed, 5, index);
  const [type, name] = ACCOUNTS[index % ACCOUNTS.length]!;
  return {
    SETID,
    ACCOUNT: String(100_000 + index * 10),
    EFFDT: '2019-01-01',
    EFF_STATUS: 'A',
    DESCR: `${name}${index >= ACCOUNTS.length ? ` ${randomInt(random, 1, 99)}` : ''}`,
    ACCOUNT_TYPE: type,
    LASTUPDDTTM: lastUpdated,
  };
}

/** The PeopleSoft projects seeded purchase orders are charged to; most have none (not a construction project's buy). */
export const PROJECT_IDS = ['PRJ-TOWER', 'PRJ-BRIDGE'] as const;

/**
 * A seeded purchase order: vendor, status, lines (each on a seeded GL account) and, for about a
 * third of them, the PeopleSoft project it is charged to (`PROJECT_ID`, blank otherwise).
 */
export function generatePurchaseOrder(seed: number, index: number, lastUpdated: string, vendors: number, accounts = 60): Record<string, unknown> {
  const random = seededRandom(seed, 6, index);
  // A stream of its own, so the fields drawn before projects existed keep their seeded values.
  const charged = seededRandom(seed, 7, index);
  const lines = Array.from({ length: randomInt(random, 1, 4) }, (_, line) => {
    const quantity = randomInt(random, 1, 50);
    const price = randomInt(random, 20, 900);
    return {
      LINE_NBR: line + 1,
      DESCR254_MIXED: pick(random, ITEMS),
      QTY_PO: quantity,
      PRICE_PO: price,
      MERCHANDISE_AMT: quantity * price,
      ACCOUNT: String(100_000 + randomInt(charged, 0, Math.max(0, accounts - 1)) * 10),
    };
  });
  return {
    BUSINESS_UNIT,
    PO_ID: padded(index + 1),
    VENDOR_SETID: SETID,
    VENDOR_ID: padded(randomInt(random, 1, Math.max(1, vendors))),
    PO_DT: lastUpdated.slice(0, 10),
    PO_STATUS: pick(random, ['A', 'D', 'D', 'C']),
    CURRENCY_CD: 'USD',
    PO_AMOUNT: lines.reduce((sum, line) => sum + line.MERCHANDISE_AMT, 0),
    PROJECT_ID: pick(charged, [...PROJECT_IDS, '', '', '', '']),
    PO_REF: '',
    LINES: lines,
    LASTUPDDTTM: lastUpdated,
  };
}
