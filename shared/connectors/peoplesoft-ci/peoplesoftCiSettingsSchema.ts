import { z } from 'zod';
import { targetSettingsBase } from '../../config/primitives';
import { peoplesoftCiLimits } from './peoplesoftCiLimits';

const fieldName = z.string().regex(/^[A-Z][A-Z0-9_]{0,29}$/, 'a PeopleSoft field or property name: upper-case letters, digits and _ (at most 30)');
const operationName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,29}$/, 'a service operation name such as CI_ML_PO_C (upper-case letters, digits and _, at most 30)');

/**
 * The component interface behind one object and the service operations generated from it
 * (PeopleTools → Integration Broker → Web Services → CI-Based Services). An operation left out is
 * the wizard's name for it: `CI_<componentInterface>_C` (Create), `_G` (Get), `_F` (Find) and
 * `_UD` (UpdateData). The SOAP action is `<operation>.<version>`.
 */
function ciObject(defaults: { componentInterface: string; version: string; originField: string; keys: string[] }) {
  return {
    /** Name of the component interface, e.g. `ML_PO`; the body element is `Create__CompIntfc__ML_PO`. */
    componentInterface: fieldName.default(defaults.componentInterface),
    create: operationName.optional().describe('Create operation (default CI_<componentInterface>_C)'),
    get: operationName.optional().describe('Get operation (default CI_<componentInterface>_G)'),
    find: operationName.optional().describe('Find operation (default CI_<componentInterface>_F)'),
    update: operationName.optional().describe('UpdateData operation (default CI_<componentInterface>_UD)'),
    version: z.string().regex(/^V[1-9][0-9]{0,2}$/, 'a service operation version such as V1').default(defaults.version),
    /**
     * The field of the PeopleSoft record that holds the origin marker (the id of the record in the
     * system it came from, mapped as `ORIGIN_ID`): records are found by it with Find, so it must be
     * a search key or an alternate search key of the component's search record.
     */
    originField: fieldName.default(defaults.originField),
    /** The component interface's get keys, in order: what Find answers and Get and UpdateData take. */
    keys: z.array(fieldName).min(1).default(defaults.keys),
  };
}

const purchaseOrderDefaults = { componentInterface: 'ML_PO', version: 'V1', originField: 'PO_REF', keys: ['BUSINESS_UNIT', 'PO_ID'] };
const journalDefaults = {
  componentInterface: 'ML_JOURNAL',
  version: 'V1',
  originField: 'ML_ORIGIN_ID',
  keys: ['BUSINESS_UNIT', 'JOURNAL_ID', 'JOURNAL_DATE'],
  linesField: 'JRNL_LN',
  amountField: 'MONETARY_AMOUNT',
  accountField: 'ACCOUNT',
};

/** The `targets.peoplesoft-ci` section of a customer config. */
export const peoplesoftCiSettingsSchema = z
  .strictObject({
    ...targetSettingsBase,
    /** Integration Broker node the services run on, e.g. `PSFT_EP` (appended to the listening connector's URL). */
    node: z.string().regex(/^[A-Z][A-Z0-9_]{0,29}$/, 'an Integration Broker node name such as PSFT_EP'),
    /**
     * How the OPRID and password of the secret are sent: `ws-security` puts a WS-Security
     * UsernameToken in the SOAP header, `basic` an HTTP `Authorization: Basic` header.
     */
    auth: z.enum(['ws-security', 'basic']).default('ws-security'),
    soapVersion: z.enum(['1.1', '1.2']).default('1.1'),
    /**
     * How long one call may take. A write that outlives it is never sent again blindly: the
     * record is looked up by its origin marker first.
     */
    requestTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
    /** Calls in flight at once, shared by every flow writing to this PeopleSoft. */
    inFlight: z.number().int().min(1).max(peoplesoftCiLimits.maxInFlight).default(peoplesoftCiLimits.inFlight),
    objects: z
      .strictObject({
        'purchase-orders': z.strictObject(ciObject(purchaseOrderDefaults)).default(purchaseOrderDefaults),
        journals: z
          .strictObject({
            ...ciObject(journalDefaults),
            /** The collection (scroll) of the journal's lines in the CI buffer. */
            linesField: fieldName.default(journalDefaults.linesField),
            /** The signed line amount: debits positive, credits negative; an entry's lines sum to zero. */
            amountField: fieldName.default(journalDefaults.amountField),
            accountField: fieldName.default(journalDefaults.accountField),
            /**
             * An account that balances single-sided entries: when set, an entry whose lines do not
             * sum to zero gets one more line on this account for the difference. Without it, such
             * an entry is rejected.
             */
            offsetAccount: z.string().min(1).optional(),
            /** Further fields of that offset line, e.g. `{ DEPTID: '1000' }`. */
            offsetFields: z.record(fieldName, z.union([z.string(), z.number()])).optional(),
          })
          .default(journalDefaults),
      })
      .default({ 'purchase-orders': purchaseOrderDefaults, journals: journalDefaults }),
  })
  .superRefine((settings, context) => {
    if (!settings.simulator && settings.baseUrl === undefined) {
      context.addIssue({ code: 'custom', path: ['baseUrl'], message: 'required: https://host:port of the PeopleSoft web server (PSIGW)' });
    }
  });

export type PeopleSoftCiSettings = z.infer<typeof peoplesoftCiSettingsSchema>;
