import type { PushHook, TargetCatalog } from '../connectors/TargetDefinition';
import type { ConfigIssue } from '../errors';
import { parseCron } from './cron';
import type { CustomerConfig, PushedSourceConfig } from './schema';

/** The target a pushed source reconciles through: the one it fetches from, else the one it subscribes via. */
export function reconcileTargetOf(source: Pick<PushedSourceConfig, 'fetch' | 'subscribe'>): string | undefined {
  return source.fetch?.from ?? source.subscribe?.via;
}

/**
 * What a pushed source asks of the targets it names: `fetch.from`, `subscribe.via` and the
 * target its `reconcile` reads must be configured targets whose connector has the hook
 * (`fetchByIds`, `subscribe`, `listChanged`); the subscription's token is the verification
 * secret, so only a token the sender echoes (channel-token, header) can be handed to it; a
 * subscription outlives its renewal interval; and records are named either by key fields or by
 * the fetched ids. Shared by the CLI and synth through `validateConfig`.
 */
export function pushedTargetIssues(config: CustomerConfig, catalog: TargetCatalog): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const needs = (field: string, target: string, hook: PushHook, purpose: string): boolean => {
    const definition = Object.hasOwn(catalog, target) ? catalog[target] : undefined;
    if (!definition) {
      issues.push({ field, message: `unknown target "${target}" (known: ${Object.keys(catalog).join(', ')})` });
    } else if (!config.targets[target]) {
      issues.push({ field, message: `targets.${target} is not configured` });
    } else if (!definition.pushHooks?.includes(hook)) {
      issues.push({ field, message: `${target} cannot ${purpose} (its connector has no ${hook})` });
    } else {
      return true;
    }
    return false;
  };

  for (const [name, source] of Object.entries(config.pushed ?? {})) {
    const at = `pushed.${name}`;
    const { fetch, subscribe, reconcile } = source;
    if (fetch) {
      needs(`${at}.fetch.from`, fetch.from, 'fetchByIds', 'fetch records by id');
      if (source.format !== 'json') issues.push({ field: `${at}.fetch`, message: 'applies to format json only' });
      if (source.records.keyFields) issues.push({ field: `${at}.records.keyFields`, message: 'a fetching source names its records <object>|<id> by the fetched ids: remove keyFields' });
      if (source.records.timeField) issues.push({ field: `${at}.records.timeField`, message: "a fetched record's version is its own update stamp: remove timeField" });
      if (source.records.deactivateWhen) {
        issues.push({ field: `${at}.records.deactivateWhen`, message: 'a fetching source finds deletions by the fetch (an id the target no longer has): remove deactivateWhen' });
      }
    } else if (!source.records.keyFields) {
      issues.push({ field: `${at}.records.keyFields`, message: 'required: the fields that name a record (or fetch the records by id with fetch)' });
    }
    if (subscribe) {
      needs(`${at}.subscribe.via`, subscribe.via, 'subscribe', 'subscribe to events');
      if (source.verify.kind !== 'channel-token' && source.verify.kind !== 'header') {
        issues.push({
          field: `${at}.verify.kind`,
          message: `the subscription hands the sender the token it must send back: use channel-token or header, not ${source.verify.kind}`,
        });
      }
      const lifetime = subscribe.lifetimeMinutes ?? 2 * subscribe.renewEveryMinutes;
      if (lifetime <= subscribe.renewEveryMinutes) {
        issues.push({
          field: `${at}.subscribe.lifetimeMinutes`,
          message: `must be longer than renewEveryMinutes (${subscribe.renewEveryMinutes}), so the subscription is renewed before it expires`,
        });
      }
    }
    if (reconcile) {
      const target = reconcileTargetOf(source);
      if (target === undefined) {
        issues.push({ field: `${at}.reconcile`, message: 'reads through the target named by fetch.from or subscribe.via: set one of them' });
      } else {
        needs(`${at}.${fetch ? 'fetch.from' : 'subscribe.via'}`, target, 'listChanged', 'list changed records for reconcile');
      }
      try {
        parseCron(reconcile.schedule.cron);
      } catch (error) {
        issues.push({ field: `${at}.reconcile.schedule.cron`, message: (error as Error).message });
      }
    }
  }
  // Each target named twice for one source (fetch and subscribe) reports once per field; dedupe.
  return issues.filter((issue, index) => issues.findIndex((other) => other.field === issue.field && other.message === issue.message) === index);
}
