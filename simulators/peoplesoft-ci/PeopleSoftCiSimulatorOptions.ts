import type { PeopleSoftSimulator } from '../peoplesoft';

/** How a simulated PeopleSoft CI-service endpoint is set up; every field has a default. */
export interface PeopleSoftCiSimulatorOptions {
  /**
   * The simulated PeopleSoft REST side of the same database (one simulator, or several by system
   * name: the one on this node is used). Given, the two are one Financials: a purchase order
   * created or updated through `ML_PO` appears in its `purchase-orders` entity (stamped now, with
   * `PO_REF`), new PO ids continue its numbering, and its vendors and GL accounts are valid
   * prompt values. The local session hands every target simulator its PeopleSoft simulators.
   */
  readonly peoplesoft?: PeopleSoftSimulator | Readonly<Record<string, PeopleSoftSimulator>>;
  /** The OPRID and password it accepts (WS-Security UsernameToken or HTTP Basic). */
  readonly userId?: string;
  readonly password?: string;
  /** The Integration Broker node in the URL (`/PSIGW/PeopleSoftServiceListeningConnector/<node>`). Default `PSFT_EP`. */
  readonly node?: string;
  /** Service operations (without version) that are not active, e.g. `CI_ML_PO_UD`. */
  readonly inactiveOperations?: readonly string[];
  /** Prompt tables: values accepted by prompted fields. */
  readonly promptTables?: Readonly<Record<string, readonly string[]>>;
  /** Added to every answer (ms). */
  readonly latencyMs?: number;
  readonly now?: () => Date;
}

/** The options with every default filled in. */
export function resolvePeopleSoftCiSimulatorOptions(options: PeopleSoftCiSimulatorOptions) {
  return {
    userId: options.userId ?? 'ML_SYNC',
    password: options.password ?? 'sim-peoplesoft-ci-password',
    node: options.node ?? 'PSFT_EP',
    inactiveOperations: new Set(options.inactiveOperations ?? []),
    promptTables: {
      businessUnits: ['US001', 'US002'],
      vendors: Array.from({ length: 50 }, (_, index) => String(index + 1).padStart(10, '0')),
      accounts: ['500000', '610000', '620000', '630000', '200100', '210000'],
      departments: ['1000', '2100', '2200', '3000'],
      currencies: ['USD', 'CAD', 'EUR'],
      ...options.promptTables,
    } as Record<string, readonly string[]>,
    latencyMs: options.latencyMs ?? 0,
    shared: sharedSimulator(options.peoplesoft, options.node ?? 'PSFT_EP'),
    now: options.now ?? (() => new Date()),
  };
}

/** The REST simulator that shares this database: the one given, or the one on `node` among several. */
function sharedSimulator(given: PeopleSoftCiSimulatorOptions['peoplesoft'], node: string): PeopleSoftSimulator | undefined {
  if (!given) return undefined;
  if ('url' in given && typeof given.url === 'string') return given as PeopleSoftSimulator;
  return Object.values(given as Readonly<Record<string, PeopleSoftSimulator>>).find((simulator) => simulator.node === node);
}
