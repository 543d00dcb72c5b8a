import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors';
import { validateConfig } from '../../shared/config';
import { DeliveryRefusedError, readIbRowsetRecords } from '../../shared/frontdoor';
import { demoConfig } from '../support/factories';
import { IB_SOURCE, ibPushDemoConfig, ibRowsetMessage, vendorRow } from '../support/ibMessages';

const EVENT_TIME = new Date('2026-03-01T12:00:00Z');
const DEFAULT_DECLARATION = ibPushDemoConfig().pushed![IB_SOURCE]!;
const read = (xml: string, rowset?: Record<string, unknown>) => {
  const declaration = rowset ? ibPushDemoConfig(64 * 1024, rowset).pushed![IB_SOURCE]! : DEFAULT_DECLARATION;
  return readIbRowsetRecords(IB_SOURCE, declaration, Buffer.from(xml), { timeZone: 'America/New_York', eventTime: EVENT_TIME });
};
const refusal = (run: () => unknown): DeliveryRefusedError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DeliveryRefusedError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('reading an Integration Broker rowset message', () => {
  it('leaves deleted child rows out, nests grandchildren, types NUMBER fields and decodes the predefined references only', () => {
    const xml = `<?xml version="1.0"?><PURCHASE_ORDER_SYNC><FieldTypes>
      <PO_HDR class="R"><BUSINESS_UNIT type="CHAR"/><PO_ID type="CHAR"/><SETID type="CHAR"/><VENDOR_ID type="CHAR"/><VENDOR_NAME type="CHAR"/><LASTUPDDTTM type="DATETIME"/></PO_HDR>
      <PO_LINE class="R"><LINE_NBR type="NUMBER"/><DESCR254_MIXED type="CHAR"/></PO_LINE>
      <PO_LINE_SHIP class="R"><SCHED_NBR type="NUMBER"/><QTY_PO type="NUMBER"/></PO_LINE_SHIP>
      <PSCAMA class="R"><AUDIT_ACTN type="CHAR"/></PSCAMA></FieldTypes>
      <MsgData><Transaction><PO_HDR class="R"><BUSINESS_UNIT>US001</BUSINESS_UNIT><PO_ID>0000004711</PO_ID><SETID>SHARE</SETID><VENDOR_ID>0000000123</VENDOR_ID>
        <VENDOR_NAME>Smith &amp; Sons &lt;East&gt; &#233;&#x2013;</VENDOR_NAME><LASTUPDDTTM>2026-03-01-10.00.00.000000</LASTUPDDTTM>
        <PO_LINE class="R"><LINE_NBR>1</LINE_NBR><DESCR254_MIXED>Rebar</DESCR254_MIXED>
          <PO_LINE_SHIP class="R"><SCHED_NBR>1</SCHED_NBR><QTY_PO>12.5</QTY_PO><PSCAMA class="R"><AUDIT_ACTN/></PSCAMA></PO_LINE_SHIP>
          <PSCAMA class="R"><AUDIT_ACTN>C</AUDIT_ACTN></PSCAMA></PO_LINE>
        <PO_LINE class="R"><LINE_NBR>2</LINE_NBR><DESCR254_MIXED>Cancelled</DESCR254_MIXED><PSCAMA class="R"><AUDIT_ACTN>D</AUDIT_ACTN></PSCAMA></PO_LINE>
        <PO_LINE class="R"><LINE_NBR>3</LINE_NBR><DESCR254_MIXED><![CDATA[Cement <50 kg>]]></DESCR254_MIXED><PSCAMA class="R"><AUDIT_ACTN>A</AUDIT_ACTN></PSCAMA></PO_LINE>
      </PO_HDR><PSCAMA class="R"><AUDIT_ACTN>C</AUDIT_ACTN></PSCAMA></Transaction></MsgData></PURCHASE_ORDER_SYNC>`;

    const items = read(xml, { record: 'PO_HDR', children: { PO_LINE: 'LINES', PO_LINE_SHIP: 'SCHEDULES' } });

    // The demo source keys on SETID + VENDOR_ID; this message carries both on the header.
    expect(items).toEqual([
      {
        kind: 'record',
        id: 'SHARE|0000000123',
        operation: 'upsert',
        updatedAt: '2026-03-01T15:00:00.000Z',
        record: {
          BUSINESS_UNIT: 'US001',
          PO_ID: '0000004711',
          SETID: 'SHARE',
          VENDOR_ID: '0000000123',
          VENDOR_NAME: 'Smith & Sons <East> é–',
          LASTUPDDTTM: '2026-03-01-10.00.00.000000',
          LINES: [
            { LINE_NBR: 1, DESCR254_MIXED: 'Rebar', SCHEDULES: [{ SCHED_NBR: 1, QTY_PO: 12.5 }] },
            { LINE_NBR: 3, DESCR254_MIXED: 'Cement <50 kg>' },
          ],
        },
      },
    ]);
  });

  it('takes the first record of a Transaction when none is declared, and its own PSCAMA when the Transaction has none', () => {
    const row = vendorRow('D');
    const xml = ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [row]).replace(/<\/VENDOR><PSCAMA class="R">.*?<\/PSCAMA>/, '<PSCAMA class="R"><AUDIT_ACTN>D</AUDIT_ACTN></PSCAMA></VENDOR>');

    expect(read(xml, {})).toMatchObject([{ kind: 'record', id: `SHARE|${row.fields.VENDOR_ID}`, operation: 'deactivate' }]);
  });

  it('rejects a Transaction without the declared record, and one without a readable time, on their own', () => {
    const good = vendorRow('A');
    const late = vendorRow('A', { LASTUPDDTTM: 'yesterday' });
    const xml = ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [good, late]).replace('</MsgData>', '<Transaction><VNDR_OTHER class="R"><X>1</X></VNDR_OTHER></Transaction></MsgData>');

    expect(read(xml).map((item) => (item.kind === 'record' ? item.id : item.reason))).toEqual([
      `SHARE|${good.fields.VENDOR_ID}`,
      'LASTUPDDTTM: missing or unreadable time (expected ISO-8601 or YYYY-MM-DD-HH.MM.SS.ffffff)',
      '(Transaction 3): no VENDOR element',
    ]);
  });

  it.each([
    { depth: 20, refused: false },
    { depth: 21, refused: true },
  ])('takes a document nested $depth elements deep only within the limit of 20 (refused: $refused)', ({ depth, refused }) => {
    // Root, MsgData, Transaction, VENDOR, then the padding; the innermost is a field of the padding.
    const padding = depth - 4;
    const xml = ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [vendorRow('A')]).replace('<NAME1>', `${'<P>'.repeat(padding - 1)}<F>x</F>${'</P>'.repeat(padding - 1)}<NAME1>`);
    if (refused) expect(refusal(() => read(xml)).message).toBe(`${IB_SOURCE}: the XML nests deeper than 20 elements`);
    else expect(read(xml)).toHaveLength(1);
  });

  it.each([
    { name: 'a DOCTYPE in lower case', body: '<?xml version="1.0"?><!doctype r><r/>', message: /DOCTYPE or entity declaration/ },
    { name: 'UTF-16', body: Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-16"?><r/>', 'utf16le'), message: /not UTF-8/ },
    { name: 'two roots', body: '<a><MsgData/></a><b/>', message: /no root element|not well-formed/ },
    { name: 'an empty body', body: '', message: /no root element|not well-formed/ },
  ])('refuses $name with 400', ({ body, message }) => {
    const error = refusal(() => readIbRowsetRecords(IB_SOURCE, DEFAULT_DECLARATION, Buffer.isBuffer(body) ? body : Buffer.from(body), { timeZone: 'UTC', eventTime: EVENT_TIME }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('answers every mutation of a valid message with records or a 400, never with another error (fuzzed)', () => {
    const valid = Buffer.from(ibRowsetMessage('VENDOR_FULLSYNC', 'VENDOR', [vendorRow('A', {}, ['1']), vendorRow('D'), vendorRow('')]));
    const alphabet = Buffer.from('<>/&;!?[]"\'=#x- DOCTYPEENTITY\u0000');
    let seed = 0x2f6b9a1d;
    const random = (n: number): number => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0;
      return seed % n;
    };
    const outcomes = { records: 0, refused: 0 };
    for (let run = 0; run < 400; run += 1) {
      const body = Buffer.from(valid);
      for (let edit = 0; edit <= random(4); edit += 1) body[random(body.length)] = alphabet[random(alphabet.length)]!;
      try {
        read(body.toString('latin1'));
        outcomes.records += 1;
      } catch (error) {
        expect(error).toBeInstanceOf(DeliveryRefusedError);
        expect((error as DeliveryRefusedError).status).toBe(400);
        outcomes.refused += 1;
      }
    }
    expect(outcomes.records).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});

describe('validating a pushed IB source', () => {
  it.each([
    { edit: { records: { path: 'items', keyFields: ['SETID', 'VENDOR_ID'] } }, field: `pushed.${IB_SOURCE}.records.path` },
    { edit: { records: { keyFields: ['SETID', 'VENDOR_ID'], deactivateWhen: { field: 'X', values: ['D'] } } }, field: `pushed.${IB_SOURCE}.records.deactivateWhen` },
    { edit: { verify: { kind: 'channel-token', secret: 'fscm-ib-node', path: 'token' } }, field: `pushed.${IB_SOURCE}.verify.kind` },
    { edit: { eventId: { path: 'MsgData.id' } }, field: `pushed.${IB_SOURCE}.eventId` },
    { edit: { format: 'json', maxBodyBytes: 10_485_760, rowset: undefined }, field: `pushed.${IB_SOURCE}.maxBodyBytes` },
    { edit: { format: 'json' }, field: `pushed.${IB_SOURCE}.rowset` },
  ])('names $field when the source sets what its format cannot use', ({ edit, field }) => {
    const input = structuredClone(demoConfig()) as Record<string, unknown> & { flows: Array<Record<string, unknown>> };
    input.pushed = { [IB_SOURCE]: { ...ibPushDemoConfig().pushed![IB_SOURCE]!, ...edit } };
    input.flows.find((flow) => flow.name === 'vendors-to-marketo')!.push = IB_SOURCE;
    try {
      validateConfig(input, 'config');
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(field);
    }
  });

  it('accepts a 10 MiB IB source', () => {
    expect(ibPushDemoConfig(10_485_760).pushed![IB_SOURCE]).toMatchObject({ format: 'ib-rowset-xml', maxBodyBytes: 10_485_760 });
  });
});
