export { DynamoTokenStore } from './DynamoTokenStore';
export type { DynamoTokenStoreOptions } from './DynamoTokenStore';
export { InProcessTokenStore } from './InProcessTokenStore';
export { SharedTokenCache } from './SharedTokenCache';
export type { IssuedToken, SharedToken, SharedTokenCacheOptions } from './SharedTokenCache';
export type { TokenSealer } from './TokenSealer';
export type { StoredToken, TokenEntry, TokenStore, TokenStoreFactory, TokenStoreRequest } from './TokenStore';
export { plainTokenSealer } from './plainTokenSealer';
