import { describe, expect, it } from 'vitest';
import { HostGuard, refusalReason } from '../../shared/http';
import { UnsafeHostError } from '../../shared/errors';

const deployed = { allowLoopback: false, allowPrivate: false };
const local = { allowLoopback: true, allowPrivate: false };
const vpn = { allowLoopback: false, allowPrivate: true };

describe('host policy', () => {
  it.each([
    ['169.254.169.254', local, 'link-local'],
    ['fe80::1', vpn, 'link-local'],
    ['fd00:ec2::254', vpn, 'link-local'],
    ['::ffff:169.254.169.254', vpn, 'link-local'],
    ['127.0.0.1', deployed, 'loopback'],
    ['::1', deployed, 'loopback'],
    ['10.1.2.3', deployed, 'network: private'],
    ['192.168.0.10', local, 'network: private'],
    ['172.20.0.1', deployed, 'network: private'],
  ])('refuses %s', (address, policy, reason) => {
    expect(refusalReason(address, policy)).toContain(reason);
  });

  it.each([
    ['127.0.0.1', local],
    ['10.1.2.3', vpn],
    ['203.0.113.7', deployed],
    ['2001:db8::1', deployed],
  ])('allows %s', (address, policy) => {
    expect(refusalReason(address, policy)).toBeUndefined();
  });

  it('checks every address a host name resolves to', async () => {
    const guard = new HostGuard(deployed, async () => ['203.0.113.7', '169.254.169.254']);
    await expect(guard.assertSafe(new URL('https://hr.acme.example:8443/PSIGW'))).rejects.toThrow(UnsafeHostError);
    await expect(guard.assertSafe(new URL('https://hr.acme.example:8443/PSIGW'))).rejects.toThrow(/hr\.acme\.example \(169\.254\.169\.254\)/);
  });
});
