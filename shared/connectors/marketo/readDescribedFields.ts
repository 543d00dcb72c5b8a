import type { MarketoEnvelope } from './MarketoEnvelope';

/**
 * The field API names in a describe answer. Marketo answers in two shapes: Describe Lead
 * (`/rest/v1/leads/describe.json`) lists one entry per field with its REST name under
 * `rest.name`; Describe Companies and Describe Sales Persons answer one object description
 * whose `fields` carry `name`.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/leads#describe
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/companies#describe
 */
export function readDescribedFields(envelope: MarketoEnvelope): ReadonlySet<string> {
  const fields = new Set<string>();
  for (const entry of envelope.result) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { rest, fields: described } = entry as { rest?: { name?: unknown }; fields?: unknown };
    if (typeof rest?.name === 'string') fields.add(rest.name);
    if (!Array.isArray(described)) continue;
    for (const field of described) {
      const name = typeof field === 'object' && field !== null ? (field as { name?: unknown }).name : undefined;
      if (typeof name === 'string') fields.add(name);
    }
  }
  return fields;
}
