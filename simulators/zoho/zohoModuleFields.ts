/** A field of a simulated module, as `GET /crm/v8/settings/fields` describes it. */
export interface ZohoFieldSpec {
  readonly api_name: string;
  readonly data_type: 'text' | 'email' | 'phone' | 'date' | 'picklist' | 'lookup' | 'textarea';
  /** Insert refused without it (`MANDATORY_NOT_FOUND`). */
  readonly system_mandatory?: boolean;
  /** "Do not allow duplicate values" or a system duplicate-check field: usable in `duplicate_check_fields`. */
  readonly unique?: boolean;
  /** For lookups: the module whose record id it holds. */
  readonly lookup?: string;
}

/**
 * The simulated org's Contacts and Accounts: the standard fields ml-connector maps, the system
 * duplicate-check fields (Contacts `Email`, Accounts `Account_Name`), and the custom fields a
 * customer adds for it (`Employee_ID` and `Vendor_ID`, unique; `Employment_Status` and
 * `Termination_Date`, the termination mark; `Payment_Terms`).
 */
export const zohoModuleFields: Readonly<Record<string, readonly ZohoFieldSpec[]>> = {
  Contacts: [
    { api_name: 'Last_Name', data_type: 'text', system_mandatory: true },
    { api_name: 'First_Name', data_type: 'text' },
    { api_name: 'Email', data_type: 'email', unique: true },
    { api_name: 'Phone', data_type: 'phone' },
    { api_name: 'Department', data_type: 'text' },
    { api_name: 'Title', data_type: 'text' },
    { api_name: 'Account_Name', data_type: 'lookup', lookup: 'Accounts' },
    { api_name: 'Employee_ID', data_type: 'text', unique: true },
    { api_name: 'Employment_Status', data_type: 'picklist' },
    { api_name: 'Termination_Date', data_type: 'date' },
  ],
  Accounts: [
    { api_name: 'Account_Name', data_type: 'text', system_mandatory: true, unique: true },
    { api_name: 'Vendor_ID', data_type: 'text', unique: true },
    { api_name: 'Account_Type', data_type: 'picklist' },
    { api_name: 'Industry', data_type: 'picklist' },
    { api_name: 'Phone', data_type: 'phone' },
    { api_name: 'Billing_Street', data_type: 'text' },
    { api_name: 'Billing_City', data_type: 'text' },
    { api_name: 'Billing_State', data_type: 'text' },
    { api_name: 'Billing_Code', data_type: 'text' },
    { api_name: 'Billing_Country', data_type: 'text' },
    { api_name: 'Payment_Terms', data_type: 'text' },
  ],
};
