/**
 * Bench part: push parsing throughput. A 10 MB Integration Broker full-sync message (vendors,
 * each with two locations) through the front door's hardened reader: UTF-8 and declaration
 * checks, well-formedness, depth-limited parse, one record per Transaction. No queue, no target.
 */
import { readIbRowsetRecords } from '../../shared/frontdoor';
import { IB_SOURCE, ibPushDemoConfig, ibRowsetMessage, vendorRow, type IbRow } from '../support/ibMessages';

const TEN_MB = 10 * 1024 * 1024;

/** Builds a full-sync message just under 10 MB and prints the reader's records/s (best of `runs`). */
export function ibPushParsing(runs = 3, print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): void {
  const declaration = ibPushDemoConfig(TEN_MB).pushed![IB_SOURCE]!;
  const sample = vendorRow('C', {}, ['1', '2']);
  const perRow = Buffer.byteLength(ibRowsetMessage('VENDOR_FULLSYNC', 'VENDOR', [sample, sample])) - Buffer.byteLength(ibRowsetMessage('VENDOR_FULLSYNC', 'VENDOR', [sample]));
  const rows: IbRow[] = Array.from({ length: Math.floor((TEN_MB * 0.97) / perRow) }, (_, index) => vendorRow(index % 10 === 9 ? 'D' : 'C', {}, ['1', '2']));
  const body = Buffer.from(ibRowsetMessage('VENDOR_FULLSYNC', 'VENDOR', rows));
  if (body.length > TEN_MB) throw new Error(`the bench message has ${body.length} bytes, more than 10 MB`);
  let best = Number.POSITIVE_INFINITY;
  let records = 0;
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    const items = readIbRowsetRecords(IB_SOURCE, declaration, body, { timeZone: 'America/New_York', eventTime: new Date() });
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
    records = items.filter((item) => item.kind === 'record').length;
    if (records !== rows.length) throw new Error(`read ${records} records of ${rows.length}`);
  }
  print(
    `  ${(body.length / 1024 / 1024).toFixed(1)} MiB VENDOR_FULLSYNC, ${records} Transactions: ${best.toFixed(2)} s = ` +
      `${(records / best).toFixed(0)} records/s, ${(body.length / 1024 / 1024 / best).toFixed(1)} MiB/s (best of ${runs})`,
  );
}
