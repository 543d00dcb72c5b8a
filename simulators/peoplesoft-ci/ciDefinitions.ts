import type { CiDefinition } from './CiDefinition';

/**
 * The component interfaces the simulated PeopleSoft Financials exposes. Their names and shapes are
 * customer-built in a real installation (the connector's defaults name them the same way):
 * `ML_PO` over the purchase order (header and `PO_LINE` rows, keyed by business unit and PO id,
 * which PeopleSoft numbers on Create), and `ML_JOURNAL` over the GL journal entry (header and
 * `JRNL_LN` rows, keyed by business unit, journal id and date). `PO_REF` and `ML_ORIGIN_ID` are
 * search fields, so Find can look a record up by the id it came with.
 */
export const ciDefinitions: readonly CiDefinition[] = [
  {
    name: 'ML_PO',
    keys: ['BUSINESS_UNIT', 'PO_ID'],
    autoNumber: 'PO_ID',
    searchFields: ['BUSINESS_UNIT', 'PO_ID', 'PO_REF', 'VENDOR_ID'],
    fields: [
      { name: 'BUSINESS_UNIT', type: 'char', required: true, prompt: 'businessUnits' },
      { name: 'PO_ID', type: 'char' },
      { name: 'PO_REF', type: 'char' },
      { name: 'VENDOR_ID', type: 'char', required: true, prompt: 'vendors' },
      { name: 'PO_DT', type: 'date', required: true },
      { name: 'BUYER_ID', type: 'char' },
      { name: 'CURRENCY_CD', type: 'char', prompt: 'currencies' },
      { name: 'PROJECT_ID', type: 'char' },
      { name: 'DESCR254_MIXED', type: 'char' },
      { name: 'PO_STATUS', type: 'char', readOnly: true },
    ],
    collections: [
      {
        name: 'PO_LINE',
        fields: [
          { name: 'LINE_NBR', type: 'number', required: true },
          { name: 'DESCR254_MIXED', type: 'char' },
          { name: 'QTY_PO', type: 'number', required: true },
          { name: 'PRICE_PO', type: 'number', required: true },
          { name: 'UNIT_OF_MEASURE', type: 'char' },
          { name: 'ACCOUNT', type: 'char', prompt: 'accounts' },
          { name: 'MERCHANDISE_AMT', type: 'number' },
        ],
      },
    ],
    createDefaults: { PO_STATUS: 'O', CURRENCY_CD: 'USD' },
  },
  {
    name: 'ML_JOURNAL',
    keys: ['BUSINESS_UNIT', 'JOURNAL_ID', 'JOURNAL_DATE'],
    autoNumber: 'JOURNAL_ID',
    searchFields: ['BUSINESS_UNIT', 'JOURNAL_ID', 'JOURNAL_DATE', 'ML_ORIGIN_ID'],
    fields: [
      { name: 'BUSINESS_UNIT', type: 'char', required: true, prompt: 'businessUnits' },
      { name: 'JOURNAL_ID', type: 'char' },
      { name: 'JOURNAL_DATE', type: 'date', required: true },
      { name: 'ML_ORIGIN_ID', type: 'char' },
      { name: 'LEDGER_GROUP', type: 'char' },
      { name: 'SOURCE', type: 'char' },
      { name: 'DESCR254', type: 'char' },
      { name: 'CURRENCY_CD', type: 'char', prompt: 'currencies' },
      { name: 'JRNL_HDR_STATUS', type: 'char', readOnly: true },
    ],
    collections: [
      {
        name: 'JRNL_LN',
        fields: [
          { name: 'JOURNAL_LINE', type: 'number' },
          { name: 'ACCOUNT', type: 'char', required: true, prompt: 'accounts' },
          { name: 'DEPTID', type: 'char', prompt: 'departments' },
          { name: 'PROJECT_ID', type: 'char' },
          { name: 'MONETARY_AMOUNT', type: 'number', required: true },
          { name: 'LINE_DESCR', type: 'char' },
        ],
      },
    ],
    createDefaults: { JRNL_HDR_STATUS: 'N', LEDGER_GROUP: 'ACTUALS', SOURCE: 'EXT', CURRENCY_CD: 'USD' },
  },
];
