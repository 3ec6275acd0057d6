import { Client } from 'pg';
import { connect } from 'amqplib';
import { rabbitmqctl } from '../support/resources';
import { amqpCapture, createProxy, eventually, testEnv, TcpProxy, viaProxy } from '../utils';

/**
 * The test infrastructure itself: the run's own database and vhost exist and are
 * migrated, and the fault-injection proxy really cuts and restores a connection.
 */
// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(60_000);

describe('e2e infrastructure', () => {
  const env = testEnv();

  it('gives the run its own migrated database, named crm_test_<random>', async () => {
    expect(env.name).toMatch(/^crm_test_[0-9a-f]{12}$/);
    expect(new URL(env.databaseUrl).pathname).toBe(`/${env.name}`);
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT current_database() AS name');
      expect(rows[0].name).toBe(env.name);
      // Both apps migrated it: crm-api's outbox and the logger's interaction_log.
      const tables = await db.query(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name IN ('outbox', 'interaction_log') ORDER BY 1`);
      expect(tables.rows.map((r) => r.t)).toEqual(expect.arrayContaining(['crm.outbox']));
      expect(tables.rows.some((r) => r.t.endsWith('.interaction_log'))).toBe(true);
    } finally {
      await db.end();
    }
  });

  it('gives the run its own RabbitMQ vhost, which guest may use', async () => {
    expect(new URL(env.amqpUrl).pathname).toBe(`/${env.name}`);
    const vhosts = (await rabbitmqctl(['list_vhosts', 'name'])).split('\n').map((l) => l.trim());
    expect(vhosts).toContain(env.name);
    const connection = await connect(env.amqpUrl);
    try {
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      expect(queue).toMatch(/^amq\.gen-/);
    } finally {
      await connection.close();
    }
  });

  it('captures what is published to crm.events in the run vhost', async () => {
    const key = `infra.check.${Date.now()}`;
    const capture = await amqpCapture(env.amqpUrl, key);
    const connection = await connect(env.amqpUrl);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish('crm.events', key, Buffer.from(JSON.stringify({ hello: key })), { messageId: key });
      await channel.waitForConfirms();
      const message = await capture.waitFor((m) => m.routingKey === key, { timeout: 10_000 });
      expect(message.body).toEqual({ hello: key });
      expect(message.properties.messageId).toBe(key);
    } finally {
      await connection.close();
      await capture.close();
    }
  });

  describe('the TCP proxy in front of PostgreSQL', () => {
    let proxy: TcpProxy;
    const clients: Client[] = [];
    const client = async () => {
      const c = new Client({ connectionString: viaProxy(env.databaseUrl, proxy), connectionTimeoutMillis: 5_000 });
      c.on('error', () => undefined); // a cut connection emits 'error': expected here
      clients.push(c);
      await c.connect();
      return c;
    };

    beforeAll(async () => {
      const target = new URL(env.databaseUrl);
      proxy = await createProxy(target.hostname, Number(target.port || 5432));
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await proxy.close();
    });

    it('forwards, cuts and restores a connection', async () => {
      const before = await client();
      expect((await before.query('SELECT current_database() AS name')).rows[0].name).toBe(env.name);

      proxy.cut();
      await expect(before.query('SELECT 1')).rejects.toThrow();
      await expect(client()).rejects.toThrow();

      proxy.restore();
      const after = await eventually(() => client(), { timeout: 10_000 });
      expect((await after.query('SELECT 2 AS two')).rows[0].two).toBe(2);
      expect(proxy.connections).toBe(2);
    });
  });

  it('eventually returns the value once the assertion holds, and fails with the last error', async () => {
    let calls = 0;
    await expect(
      eventually(
        () => {
          calls += 1;
          expect(calls).toBe(3);
          return calls;
        },
        { timeout: 5_000, interval: 10 },
      ),
    ).resolves.toBe(3);
    await expect(eventually(() => expect(1).toBe(2), { timeout: 100, interval: 10 })).rejects.toThrow(/still failing after 100 ms.*\n*.*toBe/s);
  });
});
