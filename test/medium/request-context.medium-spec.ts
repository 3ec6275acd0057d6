import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { requestContextPerRequest, transactionOf } from '../../apps/crm-api/src/database/request-context';
import { Lead } from '../../apps/crm-api/src/leads/lead.entity';
import { LeadsRepository } from '../../apps/crm-api/src/leads/leads.repository';
import { OutboxEventsRepository } from '../../apps/crm-api/src/outbox/outbox.repository';
import { OutboxService } from '../../apps/crm-api/src/outbox/outbox.service';
import { requestCtx } from '../utils/record-service-test';
import { mediumDatabase } from './database';

/**
 * The request's EntityManager fork made on first use (database/request-context.ts): a
 * create (the caller lookup and the one insert, both named statements) makes none; any
 * other use gets one fork per request, the same throughout it, as MikroORM's eager
 * RequestContext gave; a transaction is still found and joined.
 */
describe('the request context (PostgreSQL)', () => {
  const db = mediumDatabase();
  const ctx = requestCtx('manager');

  /** `run` inside a request context opened by the app's own onRequest hook, on `root` (an EntityManager that, like Nest's injected one, resolves the context). */
  function inRequest<T>(root: EntityManager, run: () => Promise<T>): Promise<T> {
    let hook: ((request: unknown, reply: unknown, done: () => void) => void) | undefined;
    requestContextPerRequest({ addHook: (_name: string, h: typeof hook) => (hook = h) } as unknown as FastifyInstance, { em: root } as MikroORM);
    return new Promise<T>((resolve, reject) => hook!({}, {}, () => void run().then(resolve, reject)));
  }

  const setup = () => {
    const root = db.em();
    return { root, fork: jest.spyOn(root, 'fork'), leads: new LeadsRepository(root), outbox: new OutboxService(new OutboxEventsRepository(root)) };
  };
  const create = (s: ReturnType<typeof setup>, name: string) =>
    s.leads.insertNew(() => {
      const lead = s.leads.add({ name, email: null, status: 'new', createdById: null });
      s.outbox.emit(ctx, 'lead.created', { lead_id: lead.id, name, company: null, status: lead.status, assigned_to: null }, { subject: lead.id, time: lead.createdAt });
      return lead;
    });

  it('a create forks no EntityManager, and commits its record', async () => {
    const s = setup();
    const name = `Lazy ${randomUUID()}`;
    const lead = await inRequest(s.root, async () => {
      expect(transactionOf(s.root)).toBeUndefined();
      return create(s, name);
    });
    expect(s.fork).not.toHaveBeenCalled();
    expect(await db.sql('select name from crm.leads where id = ?', [lead.id])).toEqual([{ name }]);
  });

  it('any other use gets one fork per request, the same throughout it, with its own identity map', async () => {
    const s = setup();
    const lead = await create(s, `Seen ${randomUUID()}`);
    const [first, second] = await Promise.all(
      [0, 1].map(() =>
        inRequest(s.root, async () => {
          const found = await s.root.findOneOrFail(Lead, lead.id);
          // The same fork answers again: its identity map gives the same object.
          expect(await s.root.findOneOrFail(Lead, lead.id)).toBe(found);
          return found;
        }),
      ),
    );
    expect(s.fork).toHaveBeenCalledTimes(2);
    expect(first).not.toBe(second);
  });

  it('a create inside a transaction joins it (and rolls back with it)', async () => {
    const s = setup();
    let made: string | undefined;
    await expect(
      inRequest(s.root, () =>
        s.root.transactional(async () => {
          expect(transactionOf(s.root)).toBeDefined();
          made = (await create(s, `Rolled back ${randomUUID()}`)).id;
          throw new Error('roll back');
        }),
      ),
    ).rejects.toThrow('roll back');
    expect(await db.sql('select id from crm.leads where id = ?', [made])).toEqual([]);
  });
});
