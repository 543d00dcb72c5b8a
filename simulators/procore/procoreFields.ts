/** A writable attribute's type as the Procore API reference gives it. */
export type ProcoreFieldType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'integer[]' | readonly string[];

/** Writable attributes per resource (create, update and sync bodies); anything else is refused. */
export const procoreFields: Readonly<Record<string, Readonly<Record<string, ProcoreFieldType>>>> = {
  vendors: {
    id: 'integer', name: 'string', abbreviated_name: 'string', address: 'string', city: 'string', state_code: 'string', zip: 'string',
    country_code: 'string', business_phone: 'string', mobile_phone: 'string', fax_number: 'string', email_address: 'string', website: 'string',
    is_active: 'boolean', license_number: 'string', labor_union: 'string', union_member: 'boolean', non_union_prevailing_wage: 'boolean',
    authorized_bidder: 'boolean', prequalified: 'boolean', notes: 'string', vendor_group_id: 'integer', parent_id: 'integer',
    primary_contact_id: 'integer', trade_ids: 'integer[]', standard_cost_code_ids: 'integer[]', trade_name: 'string',
    origin_id: 'string', origin_data: 'string', origin_code: 'string',
  },
  cost_codes: {
    id: 'integer', code: 'string', name: 'string', parent_id: 'integer', standard_cost_code_id: 'integer', sortable_code: 'string',
    origin_id: 'string', origin_data: 'string',
  },
  purchase_order_contracts: {
    id: 'integer', vendor_id: 'integer', title: 'string', number: 'string',
    status: ['Draft', 'Processing', 'Submitted', 'Partially Received', 'Received', 'Approved', 'Closed'],
    executed: 'boolean', description: 'string', inclusions: 'string', exclusions: 'string', contract_date: 'date', delivery_date: 'date',
    issued_on_date: 'date', signed_contract_received_date: 'date', private: 'boolean', retainage_percent: 'number', assignee_id: 'integer',
    accounting_method: ['amount', 'unit'], origin_id: 'string', origin_data: 'string', origin_code: 'string',
  },
  line_items: {
    id: 'integer', amount: 'number', description: 'string', cost_code_id: 'integer', line_item_type_id: 'integer', quantity: 'number',
    unit_cost: 'number', uom: 'string', tax_code_id: 'integer', origin_id: 'string', origin_data: 'string',
  },
};

/** Why `value` is not a valid `type` (Procore's wording), or undefined when it is. */
export function fieldTypeProblem(type: ProcoreFieldType, value: unknown): string | undefined {
  if (value === null) return undefined;
  if (Array.isArray(type)) return typeof value === 'string' && type.includes(value) ? undefined : `is not included in the list (${type.join(', ')})`;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'integer':
      return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^\d{1,16}$/.test(value)) ? undefined : 'must be an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be a date (YYYY-MM-DD)';
    case 'integer[]':
      return Array.isArray(value) && value.every((entry) => typeof entry === 'number' && Number.isSafeInteger(entry)) ? undefined : 'must be an array of integers';
    default:
      return 'has an unknown type';
  }
}

/** Field → messages for every unknown or mistyped attribute of `input`. */
export function attributeErrors(resource: string, input: Record<string, unknown>): Record<string, string[]> {
  const fields = procoreFields[resource]!;
  const errors: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(input)) {
    const type = fields[name];
    const problem = type === undefined ? 'is not a permitted attribute' : fieldTypeProblem(type, value);
    if (problem) errors[name] = [problem];
  }
  return errors;
}
