import { isIP } from 'node:net';
import type { ConfigIssue } from '../errors';
import { refusalReason } from '../http/hostPolicy';
import { peopleSoftSystems } from './peopleSoftSystemOf';
import type { CustomerConfig } from './schema';

/** Host names whose address is known without a lookup. */
const KNOWN_NAMES: Readonly<Record<string, string>> = {
  localhost: '127.0.0.1',
  // Resolves to the EC2 metadata endpoint inside AWS.
  'instance-data': '169.254.169.254',
  'instance-data.ec2.internal': '169.254.169.254',
};

interface Endpoint {
  /** The config field holding the URL, e.g. `peoplesoft.systems.hcm.baseUrl`. */
  readonly field: string;
  /** The section holding `network` and `allowCleartextCredentials`, e.g. `targets.<name>`. */
  readonly section: string;
  readonly system: string;
  readonly url: string;
  readonly network: 'public' | 'private';
  readonly allowCleartext: boolean;
}

function endpoints(config: CustomerConfig): Endpoint[] {
  const list: Endpoint[] = [];
  for (const system of peopleSoftSystems(config.peoplesoft)) {
    if (system.simulator) continue;
    const common = {
      section: system.field,
      system: 'PeopleSoft',
      network: system.network,
      allowCleartext: system.allowCleartextCredentials === true,
    };
    list.push({ ...common, field: `${system.field}.baseUrl`, url: system.baseUrl });
    if (system.auth.kind === 'oauth2') list.push({ ...common, field: `${system.field}.auth.tokenUrl`, url: system.auth.tokenUrl });
  }
  for (const [target, settings] of Object.entries(config.targets)) {
    if (!settings || settings.simulator || !settings.baseUrl) continue;
    list.push({
      field: `targets.${target}.baseUrl`,
      section: `targets.${target}`,
      system: target,
      url: settings.baseUrl,
      network: settings.network,
      allowCleartext: settings.allowCleartextCredentials === true,
    });
  }
  return list;
}

/** The literal address of a host, when the URL names an IP or a name known without DNS. */
function literalAddress(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) return host;
  if (host.endsWith('.localhost')) return '127.0.0.1';
  return KNOWN_NAMES[host];
}

/**
 * What the runtime would refuse about the configured endpoints, found before anything runs: the
 * same host policy as the runtime's `HostGuard` for literal addresses and obvious names, and
 * credentials over plain `http://`. Simulated systems are skipped (their URLs are not used).
 * `deployed` adds what only a deployment refuses: loopback, and `network: private`, for which
 * the stack builds no route.
 */
export function endpointIssues(config: CustomerConfig, options: { readonly deployed: boolean }): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const endpoint of endpoints(config)) {
    const url = new URL(endpoint.url);
    const address = literalAddress(url.hostname);
    const policy = { allowLoopback: !options.deployed, allowPrivate: endpoint.network === 'private' };
    const refused = address === undefined ? undefined : refusalReason(address, policy);
    if (refused) {
      issues.push({ field: endpoint.field, message: `${url.hostname} is refused: ${refused}` });
      continue;
    }
    // Cleartext that never leaves this machine (a local simulator on loopback) is harmless.
    const localOnly = address !== undefined && refusalReason(address, { allowLoopback: false, allowPrivate: true }) !== undefined;
    if (url.protocol === 'http:' && !endpoint.allowCleartext && !localOnly) {
      issues.push({
        field: endpoint.field,
        message: `http:// would send the ${endpoint.system} credentials in cleartext; use https://, or set ${endpoint.section}.allowCleartextCredentials: true if every network hop is trusted`,
      });
    }
  }
  if (options.deployed) {
    const sections: Array<[string, { simulator: boolean; network: 'public' | 'private' } | undefined]> = [
      ...peopleSoftSystems(config.peoplesoft).map((system): [string, typeof system] => [system.field, system]),
      ...Object.entries(config.targets).map(([target, settings]): [string, typeof settings] => [`targets.${target}`, settings]),
    ];
    for (const [section, settings] of sections) {
      if (!settings || settings.simulator || settings.network !== 'private') continue;
      issues.push({
        field: `${section}.network`,
        message:
          '`private` needs a route from the stack\'s VPC into your network (VPN, Direct Connect or Transit Gateway), which this stack ' +
          'does not build, so every call would time out; deploy with `network: public` and an endpoint reachable from the internet ' +
          'that allow-lists the stack output EgressIps (`private` stays usable for local runs)',
      });
    }
  }
  return issues;
}
