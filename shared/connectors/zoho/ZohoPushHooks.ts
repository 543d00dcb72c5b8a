import type { FetchedRecord, SubscriptionRequest, SubscriptionState, TargetRef } from '../TargetConnector';
import type { ZohoPushApi } from './ZohoPushApi';
import { fetchZohoRecords } from './fetchZohoRecords';
import { listZohoChanges } from './listZohoChanges';
import { subscribeZohoChannel } from './subscribeZohoChannel';

/** Zoho returns at most 50 fields a read. */
const MAX_FIELDS = 50;

/**
 * Zoho as a system that pushes (F7): the notification channel (`subscribe`), reads of the
 * records a notification names (`fetchByIds`) and the reconciliation's changed records
 * (`listChanged`). Reads ask for the module's fields as Zoho describes them (cached), at most 50
 * with `Modified_Time` first, so a fetched and a reconciled record look alike.
 */
export class ZohoPushHooks {
  private readonly fields = new Map<string, Promise<readonly string[]>>();

  public constructor(private readonly api: ZohoPushApi) {}

  public subscribe(request: SubscriptionRequest): Promise<SubscriptionState> {
    return subscribeZohoChannel(this.api, request);
  }

  public async fetchByIds(object: string, refs: readonly TargetRef[]): Promise<FetchedRecord[]> {
    return fetchZohoRecords(this.api, object, refs.map((ref) => ref.id), await this.fieldsOf(object));
  }

  public async *listChanged(object: string, since: string, until: string): AsyncGenerator<FetchedRecord[]> {
    yield* listZohoChanges(this.api, object, { since, until }, await this.fieldsOf(object));
  }

  private fieldsOf(module: string): Promise<readonly string[]> {
    let names = this.fields.get(module);
    if (!names) {
      names = this.api.fieldNames(module).then((described) => ['Modified_Time', ...described.filter((name) => name !== 'Modified_Time' && name !== 'id')].slice(0, MAX_FIELDS));
      names.catch(() => this.fields.delete(module));
      this.fields.set(module, names);
    }
    return names;
  }
}
