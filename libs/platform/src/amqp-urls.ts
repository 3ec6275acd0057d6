import { z } from 'zod';

/**
 * AMQP_URL, the one place it is read: one broker URL, or the nodes of a cluster
 * comma-separated (`amqp://u:p@h1:5672/vh,amqp://u:p@h2:5672/vh`). Both apps and the
 * ops commands (dlq) go through brokerUrls() and BrokerRotation.
 */
export function brokerUrls(value: string): string[] {
  return value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
}

/** The AMQP_URL variable: every listed URL must be amqp:// or amqps://. */
export const amqpUrlsVar = (def: string) =>
  z
    .string()
    .default(def)
    .superRefine((value, ctx) => {
      const urls = brokerUrls(value);
      if (urls.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one amqp:// URL' });
      for (const url of urls) {
        let protocol = '';
        try {
          protocol = new URL(url).protocol;
        } catch {
          // reported below
        }
        if (protocol !== 'amqp:' && protocol !== 'amqps:') {
          ctx.addIssue({ code: 'custom', message: `"${url.replace(/\/\/[^@/]*@/, '//…@')}" must be a URL starting with amqp:// or amqps:// (several: comma-separated)` });
        }
      }
    });

/**
 * Replicas of a quorum queue when it is created: one per listed node, at most 3 (a
 * majority of 3 survives one loss; more replicas cost writes and buy little). One URL
 * (a single broker) gives 1, which is what a single node has anyway.
 */
export const quorumGroupSize = (value: string) => Math.min(3, brokerUrls(value).length);

/** The host:port of a URL, for log lines (never the credentials). */
export const brokerAddress = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
};

/**
 * Which broker to try next. connect() tries the listed brokers in turn, starting with
 * the current one, and keeps the first that answers; lost() moves on to the next, so a
 * process whose node went away reconnects elsewhere at once instead of waiting for that
 * node. When none answers, the caller backs off (as with one URL) and tries again.
 */
export class BrokerRotation {
  private readonly urls: string[];
  private current = 0;

  constructor(amqpUrl: string) {
    this.urls = brokerUrls(amqpUrl);
    if (this.urls.length === 0) throw new Error('AMQP_URL lists no broker');
  }

  /** The broker in use (or to try first). */
  get url(): string {
    return this.urls[this.current];
  }

  async connect<T>(open: (url: string) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let i = 0; i < this.urls.length; i++) {
      const index = (this.current + i) % this.urls.length;
      try {
        const opened = await open(this.urls[index]);
        this.current = index;
        return opened;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  /** The connection to the current broker was lost: start with the next one. */
  lost(): void {
    this.current = (this.current + 1) % this.urls.length;
  }
}
