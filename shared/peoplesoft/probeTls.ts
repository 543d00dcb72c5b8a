import { connect } from 'node:tls';
import { isIP } from 'node:net';

/** The outcome of a TLS handshake check. */
export interface TlsProbe {
  readonly ok: boolean;
  /** On success, who the certificate was issued to and until when; on failure, what to fix. */
  readonly detail: string;
}

export interface TlsProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

/**
 * Completes one TLS handshake with `host:port` the way `fetch` would (system CAs plus
 * NODE_EXTRA_CA_CERTS, host name checked) and reports whether the certificate is trusted.
 * Never throws.
 */
export function probeTls(target: TlsProbeTarget): Promise<TlsProbe> {
  return new Promise((resolve) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(isIP(target.host) ? {} : { servername: target.host }),
      timeout: target.timeoutMs,
    });
    const finish = (probe: TlsProbe): void => {
      socket.destroy();
      resolve(probe);
    };
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      const validTo = certificate.valid_to ? new Date(certificate.valid_to) : undefined;
      const subject = typeof certificate.subject?.CN === 'string' ? certificate.subject.CN : target.host;
      const until = validTo && !Number.isNaN(validTo.getTime()) ? `, valid until ${validTo.toISOString().slice(0, 10)}` : '';
      finish({ ok: true, detail: `certificate of ${subject} is trusted${until}` });
    });
    socket.once('timeout', () =>
      finish({
        ok: false,
        detail: `no TLS handshake with ${target.host}:${target.port} within ${target.timeoutMs} ms: check the port and the firewall`,
      }),
    );
    socket.once('error', (error) => {
      const code = errorCode(error);
      const certificate = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_CERT|HOSTNAME|ALTNAME/i.test(code);
      finish({
        ok: false,
        detail: certificate
          ? `the TLS certificate of ${target.host} is not trusted (${code}): install the issuing CA (NODE_EXTRA_CA_CERTS) or fix the certificate`
          : `TLS handshake with ${target.host}:${target.port} failed (${code}): check that the port speaks HTTPS and the firewall lets the connector in`,
      });
    });
  });
}
