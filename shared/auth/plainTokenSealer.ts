import { SealedTokenUnreadableError } from './SealedTokenUnreadableError';
import type { TokenSealer } from './TokenSealer';

/**
 * No encryption: for the local runtime, whose state folder is the operator's own (the token is
 * still never printed), and for tests. Deployed stacks use `KmsTokenSealer`.
 */
export const plainTokenSealer: TokenSealer = {
  seal: (plain) => Promise.resolve(`plain:${Buffer.from(plain, 'utf8').toString('base64')}`),
  open: (sealed) => {
    if (!sealed.startsWith('plain:')) {
      return Promise.reject(new SealedTokenUnreadableError('the cached token was sealed by another sealer', { system: 'token cache', operation: 'open' }));
    }
    return Promise.resolve(Buffer.from(sealed.slice('plain:'.length), 'base64').toString('utf8'));
  },
};
