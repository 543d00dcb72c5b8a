import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { UnsafeHostError } from '../errors';

/** Which address ranges a configured system may resolve to. */
export interface HostPolicy {
  /** 127.0.0.0/8 and ::1: only for local runs against simulators. */
  readonly allowLoopback: boolean;
  /** RFC 1918, CGNAT and unique-local ranges: only when the config says `network: private`. */
  readonly allowPrivate: boolean;
}

const never = new BlockList();
// Link-local, which includes the EC2/ECS metadata endpoints (169.254.169.254, 169.254.170.2).
never.addSubnet('169.254.0.0', 16, 'ipv4');
never.addSubnet('fe80::', 10, 'ipv6');
never.addAddress('fd00:ec2::254', 'ipv6');
never.addSubnet('0.0.0.0', 8, 'ipv4');
never.addAddress('::', 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const privateRanges = new BlockList();
privateRanges.addSubnet('10.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('172.16.0.0', 12, 'ipv4');
privateRanges.addSubnet('192.168.0.0', 16, 'ipv4');
privateRanges.addSubnet('100.64.0.0', 10, 'ipv4');
privateRanges.addSubnet('fc00::', 7, 'ipv6');

/** Returns why `address` is refused under `policy`, or undefined when it may be called. */
export function refusalReason(address: string, policy: HostPolicy): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (never.check(ip, family)) return 'link-local and metadata addresses are never called';
  if (loopback.check(ip, family) && !policy.allowLoopback) {
    return 'loopback addresses are only allowed in local runs';
  }
  if (privateRanges.check(ip, family) && !policy.allowPrivate) {
    return 'private addresses need `network: private` on this system in the config (VPN / Direct Connect)';
  }
  return undefined;
}

type Resolver = (host: string) => Promise<string[]>;

const defaultResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((entry) => entry.address);

/**
 * Checks every address a URL's host resolves to against a policy, remembering hosts already
 * checked. Throws `UnsafeHostError` naming the host and the address.
 */
export class HostGuard {
  private readonly checked = new Map<string, Promise<void>>();

  public constructor(
    private readonly policy: HostPolicy,
    private readonly resolve: Resolver = defaultResolver,
  ) {}

  public async assertSafe(url: URL): Promise<void> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let check = this.checked.get(host);
    if (!check) {
      check = this.check(host);
      this.checked.set(host, check);
      check.catch(() => this.checked.delete(host));
    }
    await check;
  }

  private async check(host: string): Promise<void> {
    const addresses = isIP(host) ? [host] : await this.resolve(host);
    for (const address of addresses) {
      const reason = refusalReason(address, this.policy);
      if (reason) throw new UnsafeHostError(host, address, reason);
    }
  }
}
