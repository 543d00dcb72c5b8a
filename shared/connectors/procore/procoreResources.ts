/** Where one Procore resource the connector reads lives, and what its webhooks call it. */
export interface ProcoreResource {
  /** `resource_name` of its webhook triggers and events. */
  readonly webhookName: string;
  /** Path of one record by id within a project. */
  readonly show: (projectId: string, id: string) => { readonly path: string; readonly query: Record<string, string> };
  /** Path of the project's list. */
  readonly list: (projectId: string) => { readonly path: string; readonly query: Record<string, string> };
  /** Whether a record's line items live at `<show path>/line_items` (read with it). */
  readonly lineItems: boolean;
}

/**
 * The resources Procore pushes events for, by the connector's object name (commitments are
 * purchase order contracts; change orders are commitment change orders).
 * https://developers.procore.com/reference/rest/hooks
 */
export const procoreResources: Readonly<Record<string, ProcoreResource>> = {
  commitments: {
    webhookName: 'Purchase Order Contracts',
    show: (project, id) => ({ path: `/rest/v1.0/purchase_order_contracts/${id}`, query: { project_id: project } }),
    list: (project) => ({ path: '/rest/v1.0/purchase_order_contracts', query: { project_id: project } }),
    lineItems: true,
  },
  requisitions: {
    webhookName: 'Requisitions',
    show: (project, id) => ({ path: `/rest/v1.0/requisitions/${id}`, query: { project_id: project } }),
    list: (project) => ({ path: '/rest/v1.0/requisitions', query: { project_id: project } }),
    lineItems: false,
  },
  'direct-costs': {
    webhookName: 'Direct Costs',
    show: (project, id) => ({ path: `/rest/v1.0/projects/${project}/direct_costs/${id}`, query: {} }),
    list: (project) => ({ path: `/rest/v1.0/projects/${project}/direct_costs`, query: {} }),
    lineItems: false,
  },
  'change-orders': {
    webhookName: 'Commitment Change Orders',
    show: (project, id) => ({ path: `/rest/v1.0/projects/${project}/commitment_change_orders/${id}`, query: {} }),
    list: (project) => ({ path: `/rest/v1.0/projects/${project}/commitment_change_orders`, query: {} }),
    lineItems: false,
  },
};
