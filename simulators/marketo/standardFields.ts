/** Lead fields every simulated instance has (API names); `id`, `createdAt`, `updatedAt` are system fields. */
export const STANDARD_LEAD_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'title',
  'department',
  'company',
  'phone',
  'externalCompanyId',
  'externalSalesPersonId',
  'leadSource',
] as const;

/** Company fields (Sync Companies); the dedupe field is `externalCompanyId`. */
export const STANDARD_COMPANY_FIELDS = [
  'externalCompanyId',
  'company',
  'website',
  'mainPhone',
  'industry',
  'annualRevenue',
  'numberOfEmployees',
  'sicCode',
  'billingStreet',
  'billingCity',
  'billingState',
  'billingCountry',
  'billingPostalCode',
  'externalSalesPersonId',
] as const;

/** Sales person fields (Sync Sales Persons); the dedupe field is `externalSalesPersonId`. */
export const STANDARD_SALES_PERSON_FIELDS = [
  'externalSalesPersonId',
  'email',
  'firstName',
  'lastName',
  'title',
  'phone',
  'mobilePhone',
  'fax',
] as const;

/** Read-only fields every object exposes besides its own. */
export const SYSTEM_FIELDS = ['id', 'createdAt', 'updatedAt'] as const;
