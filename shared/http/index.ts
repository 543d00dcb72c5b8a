export { HostGuard, refusalReason } from './hostPolicy';
export type { HostPolicy } from './hostPolicy';
export { HttpClient } from './HttpClient';
export type { HttpClientOptions, HttpRequest, HttpResponse } from './HttpClient';
