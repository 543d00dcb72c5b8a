import type { CustomerConfig } from '../config/schema';
import type { SubscriptionState, TargetConnector } from '../connectors/TargetConnector';
import { ErrorKind, MlConnectorError } from '../errors';
import type { SecretResolver } from '../secrets';

export interface SubscriptionDependencies {
  readonly config: CustomerConfig;
  /** Builds (or reuses) the connector of the target that holds the subscription. */
  readonly connectorOf: (target: string) => Promise<TargetConnector>;
  /** Reads the pushed source's verification secret: its `token` is handed to the target. */
  readonly secrets: SecretResolver;
  /** The front door's webhook base: a source's deliveries go to `<frontDoorUrl>/<source>`. */
  readonly frontDoorUrl: string;
  readonly now?: () => Date;
}

/** A renewed subscription, as the target now holds it. */
export interface RenewedSubscription extends SubscriptionState {
  readonly source: string;
  readonly target: string;
}

/**
 * Creates or renews the subscription of one pushed source (`pushed.<source>.subscribe`) in the
 * target that delivers to it: its objects and events, the source's front-door URL, the
 * verification secret's token (never printed) and an expiry `lifetimeMinutes` from now (twice the
 * renewal interval by default), so that renewing every `renewEveryMinutes` keeps it from ever
 * lapsing. Idempotent: the schedule runs it again and again.
 */
export async function renewSubscription(source: string, deps: SubscriptionDependencies): Promise<RenewedSubscription> {
  const declaration = deps.config.pushed?.[source];
  const subscribe = declaration?.subscribe;
  if (!declaration || !subscribe) {
    throw new MlConnectorError(`pushed source "${source}" has no subscribe section`, ErrorKind.Misconfigured);
  }
  const { verify } = declaration;
  const secret = await deps.secrets.get(verify.secret);
  const token = secret['token'];
  if (!token) throw new MlConnectorError(`secret "${verify.secret}" has no "token" field (pushed.${source}.verify.secret)`, ErrorKind.Misconfigured);
  const connector = await deps.connectorOf(subscribe.via);
  if (!connector.subscribe) throw new MlConnectorError(`${subscribe.via} cannot subscribe to events (pushed.${source}.subscribe.via)`, ErrorKind.Misconfigured);
  const now = (deps.now ?? (() => new Date()))();
  const lifetimeMinutes = subscribe.lifetimeMinutes ?? 2 * subscribe.renewEveryMinutes;
  const state = await connector.subscribe({
    name: source,
    url: `${deps.frontDoorUrl.replace(/\/+$/, '')}/${encodeURIComponent(source)}`,
    objects: subscribe.objects,
    events: subscribe.events,
    token,
    ...(verify.kind === 'header' ? { header: verify.header } : {}),
    expiresAt: new Date(now.getTime() + lifetimeMinutes * 60_000).toISOString(),
  });
  return { source, target: subscribe.via, ...state };
}

/** The pushed sources of a config that keep a subscription (`subscribe`). */
export function subscribedSources(config: CustomerConfig): string[] {
  return Object.entries(config.pushed ?? {}).flatMap(([name, source]) => (source.subscribe ? [name] : []));
}
