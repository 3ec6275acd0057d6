import http from 'node:http';
import { parseBody } from '../../test/kit/http';

/**
 * A small keep-alive JSON client on node:http: cheaper per request than fetch, so the
 * load generator takes less of the 2 cores the services need.
 */
export class HttpClient {
  private readonly agent: http.Agent;
  token?: string;

  constructor(
    readonly baseUrl: string,
    maxSockets = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: http.IncomingHttpHeaders }> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString('utf8')) as T, headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  async json<T = any>(method: string, path: string, body?: unknown, expect?: number | number[]): Promise<T> {
    const res = await this.request<T>(method, path, body);
    const ok = expect === undefined ? res.status >= 200 && res.status < 300 : ([] as number[]).concat(expect).includes(res.status);
    if (!ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    return res.body;
  }

  async login(email = 'admin@example.com', password = 'admin') {
    const { token } = await this.json<{ token: string }>('POST', '/api/auth/token/', { email, password }, 200);
    this.token = token;
    return token;
  }

  close() {
    this.agent.destroy();
  }
}
