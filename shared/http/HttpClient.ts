import { ErrorKind, ExternalSystemError, UnsafeHostError } from '../errors';
import type { HostGuard } from './hostPolicy';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Label for messages, e.g. `POST /rest/v1/leads.json`; defaults to method and path. */
  readonly operation?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly url: URL;
}

export interface HttpClientOptions {
  /** System name used in error messages (`peoplesoft` or a target name). */
  readonly system: string;
  readonly guard: HostGuard;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

const MAX_SAME_HOST_REDIRECTS = 3;

/**
 * The one place ml-connector speaks HTTP: checks the host against the network policy, applies
 * the timeout, follows redirects only within the same origin, and turns network failures into
 * classified `ExternalSystemError`s. It never reads a status as success or failure: that is the
 * caller's classifier's job.
 */
export class HttpClient {
  private readonly fetchImpl: typeof fetch;

  public constructor(private readonly options: HttpClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  public get system(): string {
    return this.options.system;
  }

  public async send(request: HttpRequest): Promise<HttpResponse> {
    const operation = request.operation ?? `${request.method} ${request.url.pathname}`;
    let url = request.url;
    for (let redirects = 0; ; redirects += 1) {
      await this.checkHost(url, operation);
      const response = await this.fetchOnce(url, request, operation);
      if (response.status < 300 || response.status >= 400) {
        return { status: response.status, headers: response.headers, text: await this.readBody(response, operation), url };
      }
      await response.body?.cancel();
      const location = response.headers.get('location');
      const next = location ? new URL(location, url) : undefined;
      if (!next || next.origin !== url.origin || redirects >= MAX_SAME_HOST_REDIRECTS) {
        throw new ExternalSystemError(
          `HTTP ${response.status} redirect to ${next ? next.origin : '(no location)'} not followed`,
          {
            system: this.options.system,
            operation,
            kind: ErrorKind.Misconfigured,
            status: response.status,
            hint: 'point the base URL at the final host; redirects to another host are never followed',
          },
        );
      }
      url = next;
    }
  }

  /**
   * The guard resolves the host itself, so its DNS failures arrive before `fetch` runs; they get
   * the same classification as a failure inside `fetch`. A refused address stays an
   * `UnsafeHostError`.
   */
  private async checkHost(url: URL, operation: string): Promise<void> {
    try {
      await this.options.guard.assertSafe(url);
    } catch (error) {
      if (error instanceof UnsafeHostError) throw error;
      throw this.networkError(error, operation, url);
    }
  }

  private async fetchOnce(url: URL, request: HttpRequest, operation: string): Promise<Response> {
    try {
      return await this.fetchImpl(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      if (error instanceof UnsafeHostError) throw error;
      throw this.networkError(error, operation, url);
    }
  }

  private async readBody(response: Response, operation: string): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.networkError(error, operation, new URL(response.url || 'http://unknown'));
    }
  }

  private networkError(error: unknown, operation: string, url: URL): ExternalSystemError {
    const code = networkCode(error);
    if (code === 'TimeoutError' || code === 'AbortError') {
      return new ExternalSystemError(`no answer within ${this.options.timeoutMs} ms`, {
        system: this.options.system,
        operation,
        kind: ErrorKind.Retryable,
        cause: error,
      });
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new ExternalSystemError(`host ${url.hostname} not found (DNS)`, {
        system: this.options.system,
        operation,
        kind: code === 'ENOTFOUND' ? ErrorKind.Misconfigured : ErrorKind.Retryable,
        code,
        hint: 'check the host name in the config',
        cause: error,
      });
    }
    const tls = code?.startsWith('ERR_TLS') || code?.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT';
    return new ExternalSystemError(`cannot connect to ${url.host}${code ? ` (${code})` : ''}`, {
      system: this.options.system,
      operation,
      kind: tls ? ErrorKind.Misconfigured : ErrorKind.Retryable,
      ...(code ? { code } : {}),
      ...(tls ? { hint: 'the TLS certificate is not trusted: install the CA or fix the certificate' } : {}),
      cause: error,
    });
  }
}

function networkCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return error.name;
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code;
}
