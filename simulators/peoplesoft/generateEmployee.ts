import { formatDate } from './formatTimestamp';
import { pick, randomInt, seededRandom } from './seededRandom';

/** A row of the simulated employees operation, as served (`LASTUPDDTTM` formatted on the wire). */
export interface Employee {
  readonly EMPLID: string;
  readonly FIRST_NAME: string;
  readonly LAST_NAME: string;
  /** `Last,First`, as PeopleSoft stores NAME. */
  readonly NAME: string;
  readonly EMAIL_ADDR: string;
  readonly JOBTITLE: string;
  readonly DEPTID: string;
  readonly DEPT_DESCR: string;
  readonly COMPANY: string;
  readonly BUSINESS_UNIT: string;
  readonly LOCATION: string;
  readonly PHONE: string;
  /** `A` active, `T` terminated. */
  readonly EMPL_STATUS: string;
  /** Last JOB action: `HIR`, `REH`, `TER`, `XFR`, `DTA`. */
  readonly ACTION: string;
  readonly ACTION_DT: string;
  readonly HIRE_DT: string;
  readonly TERMINATION_DT: string | null;
  readonly LASTUPDDTTM: string;
  readonly [field: string]: unknown;
}

/** First EMPLID of the seeded population; EMPLID = FIRST_EMPLID + index. */
export const FIRST_EMPLID = 100_001;

const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Betty', 'Mark', 'Sandra', 'Steven', 'Ashley',
  'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Carol', 'Kevin', 'Amanda',
  'Brian', 'Melissa', 'George', 'Deborah', 'Timothy', 'Stephanie', 'Ronald', 'Rebecca', 'Jason', 'Laura',
  'Wei', 'Priya', 'Carlos', 'Aisha', 'Hiroshi', 'Fatima', 'Mateo', 'Ingrid', 'Kwame', 'Olga',
];

const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Chen', 'Patel', 'Okafor', 'Tanaka', 'Kowalski', 'Johansson', 'Haddad', 'Novak', 'Mensah', 'Ivanova',
];

/** Departments of the simulated organization (DEPTID → DEPT_DESCR). */
export const DEPARTMENTS: Readonly<Record<string, string>> = {
  '10000': 'Executive',
  '11000': 'Finance',
  '12000': 'Human Resources',
  '13000': 'Sales',
  '14000': 'Marketing',
  '15000': 'Engineering',
  '16000': 'Customer Support',
  '17000': 'Operations',
  '18000': 'Legal',
  '19000': 'Information Technology',
  '21000': 'Procurement',
  '22000': 'Facilities',
};
const DEPT_IDS = Object.keys(DEPARTMENTS);

const TITLES = [
  'Analyst', 'Senior Analyst', 'Manager', 'Senior Manager', 'Director', 'Specialist', 'Coordinator',
  'Engineer', 'Senior Engineer', 'Account Executive', 'Administrator', 'Consultant', 'Associate',
  'Team Lead', 'Vice President',
];

const LOCATIONS = ['NYC01', 'CHI01', 'DAL01', 'SFO01', 'BOS01', 'ATL01', 'SEA01', 'DEN01'];

const DAY_MS = 86_400_000;

export interface EmployeeContext {
  readonly seed: number;
  readonly companyIds: readonly string[];
  readonly timeZone: string;
}

/**
 * The seeded employee at `index`, last updated at `lastUpdatedMs`. About 2% were terminated
 * before the simulation starts (their last action is `TER`); the rest were hired (`HIR`) on
 * the date of their last update.
 */
export function generateEmployee(context: EmployeeContext, index: number, lastUpdatedMs: number): Record<string, unknown> {
  const random = seededRandom(context.seed, 1, index);
  const emplid = String(FIRST_EMPLID + index);
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const deptId = pick(random, DEPT_IDS);
  const company = context.companyIds.length > 0 ? pick(random, context.companyIds) : 'ACM';
  const terminated = random() < 0.02;
  const actionDate = formatDate(lastUpdatedMs, context.timeZone);
  const hireDate = terminated
    ? formatDate(lastUpdatedMs - randomInt(random, 90, 3000) * DAY_MS, context.timeZone)
    : actionDate;
  return {
    EMPLID: emplid,
    FIRST_NAME: first,
    LAST_NAME: last,
    NAME: `${last},${first}`,
    EMAIL_ADDR: `${first}.${last}.${emplid}@${company}.example.com`.toLowerCase(),
    JOBTITLE: pick(random, TITLES),
    DEPTID: deptId,
    DEPT_DESCR: DEPARTMENTS[deptId]!,
    COMPANY: company,
    BUSINESS_UNIT: `${company}01`,
    LOCATION: pick(random, LOCATIONS),
    PHONE: `${randomInt(random, 200, 989)}/${randomInt(random, 200, 999)}-${String(randomInt(random, 0, 9999)).padStart(4, '0')}`,
    EMPL_STATUS: terminated ? 'T' : 'A',
    ACTION: terminated ? 'TER' : 'HIR',
    ACTION_DT: actionDate,
    HIRE_DT: hireDate,
    TERMINATION_DT: terminated ? actionDate : null,
    LASTUPDDTTM: new Date(lastUpdatedMs).toISOString(),
  };
}
