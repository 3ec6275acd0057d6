// Bad ids, conflicts the database finds and bad query parameters (bad-input.shared.ts has the routes' fixtures and the suite's setup).
// The describe keeps the original file's name, so every test keeps its full name.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ApiClient, createUser, create, expectStatus, uniq } from '../utils';
import { badInputSuite, MISSING } from './bad-input.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

describe('bad input to the REST API', () => {
  const suite = badInputSuite();
  const { records, refusedWithoutWrite } = suite;
  let admin: ApiClient;
  let db: Client;
  beforeAll(() => ({ admin, db } = suite));

  describe('DELETE', () => {
    it.each(['leads', 'contacts', 'opportunities', 'quotes', 'tasks'])('/api/%s/{id}/: 400 for a malformed id, 404 for an unknown one, nothing deleted', async (resource) => {
      await refusedWithoutWrite(() => admin.delete(`/api/${resource}/not-an-id/`), 400, 'id:');
      await refusedWithoutWrite(() => admin.delete(`/api/${resource}/${MISSING}/`), 404, MISSING);
    });
  });

  describe('conflicts the database finds', () => {
    it('a user email already taken, in any case: 409 naming the email, no second user', async () => {
      const email = `${uniq('taken').replace(' ', '.')}@crm.test`;
      expectStatus(await admin.post('/api/users/', { email, password: 'long enough', name: 'First' }), 201);
      await refusedWithoutWrite(() => admin.post('/api/users/', { email, password: 'long enough', name: 'Second' }), 409, 'email');
      await refusedWithoutWrite(() => admin.post('/api/users/', { email: email.toUpperCase(), password: 'long enough', name: 'Third' }), 409, 'email');
      const { rows } = await db.query('select name from crm.users where email = $1', [email]);
      expect(rows).toEqual([{ name: 'First' }]);
    });

    it('completing a completed task again, converting a converted lead again: 409, nothing written', async () => {
      const task = await create(admin, 'tasks', { action: 'Email', target: uniq('Twice') });
      expectStatus(await admin.post(`/api/tasks/${task.id}/mark_completed/`, {}), 200);
      await refusedWithoutWrite(() => admin.post(`/api/tasks/${task.id}/mark_completed/`, { notes: 'again' }), 409, 'already completed');
      const lead = await create(admin, 'leads', { name: uniq('Twice Lead') });
      expectStatus(await admin.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: 'first', amount: 1 } }), 201);
      await refusedWithoutWrite(() => admin.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: 'again', amount: 1 } }), 409, 'already converted');
    });

    it("a sales rep's reference to a missing record is refused the same way (not only the admin's)", async () => {
      const rep = await createUser(admin);
      await refusedWithoutWrite(() => rep.client.post('/api/opportunities/', { name: uniq('Rep Deal'), contact: MISSING }), 400, 'contact: no such record');
    });
  });

  describe('bad query parameters', () => {
    const LISTS = ['/api/interaction-logs/', '/api/leads/', '/api/contacts/', '/api/opportunities/', '/api/quotes/', '/api/tasks/', '/api/users/'];
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

    it.each(LISTS)('%s: limit, cursor and unknown parameters are refused by name', async (list) => {
      const cases: [string, string][] = [
        ['limit=0', 'limit:'],
        ['limit=101', 'limit:'],
        ['limit=-1', 'limit:'],
        ['limit=1.5', 'limit:'],
        ['limit=abc', 'limit:'],
        ['limit=', 'limit:'],
        ['limit=1&limit=2', 'limit:'],
        ['cursor=garbage!', 'cursor:'],
        ['cursor=abc', 'cursor:'],
        [`cursor=${forged(['yesterday', MISSING])}`, 'cursor:'],
        [`cursor=${forged(['0000-01-01T00:00:00.000Z', MISSING])}`, 'cursor:'],
        [`cursor=${forged(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])}`, 'cursor:'],
        ['bogus=1', 'bogus: unknown parameter'],
      ];
      for (const [query, mention] of cases) {
        await refusedWithoutWrite(() => admin.get(`${list}?${query}`), 400, mention);
      }
    });

    it('the feed: ids, enums, flags and dates are refused by name', async () => {
      const cases: [string, string][] = [
        ['lead=not-a-uuid', 'lead:'],
        ['contact=1', 'contact:'],
        ['opportunity=%27%20or%201%3D1', 'opportunity:'],
        ['user=x', 'user:'],
        ['type=fax', 'type:'],
        ['source=robot', 'source:'],
        ['correlation_id=abc', 'correlation_id:'],
        ['include_contact=yes', 'include_contact:'],
        ['include_contact=true', 'include_contact:'], // without ?opportunity=
        ['since=yesterday', 'since:'],
        ['since=2026-02-30', 'since:'],
        ['since=0000-01-01', 'since:'],
        ['until=2026-01-01T25:00:00Z', 'until:'],
        ['until=0000-01-01T00:00:00Z', 'until:'],
        ['until=1700000000', 'until:'],
      ];
      for (const [query, mention] of cases) {
        await refusedWithoutWrite(() => admin.get(`/api/interaction-logs/?${query}`), 400, mention);
      }
      // The same shapes, well-formed, are fine: the refusals above are about the values.
      expectStatus(await admin.get(`/api/interaction-logs/?lead=${MISSING}&type=call&since=2026-01-01&until=2026-01-02T00:00:00Z`), 200);
      expectStatus(await admin.get(`/api/interaction-logs/?opportunity=${records.opportunity}&include_contact=true`), 200);
    });

    it('the lists: filters outside their enum or not ids are refused by name', async () => {
      const cases: [string, string][] = [
        ['/api/leads/?status=won', 'status:'],
        ['/api/leads/?assigned_to=me', 'assigned_to:'],
        ['/api/contacts/?lead=1', 'lead:'],
        ['/api/opportunities/?stage=closed', 'stage:'],
        ['/api/opportunities/?owner=x', 'owner:'],
        ['/api/quotes/?opportunity=x', 'opportunity:'],
        ['/api/tasks/?status=done', 'status:'],
        ['/api/tasks/?contact=x', 'contact:'],
        ['/api/users/?role=root', 'role:'],
      ];
      for (const [url, mention] of cases) await refusedWithoutWrite(() => admin.get(url), 400, mention);
    });

    it('reads of one record: 400 for a malformed id, 404 for an unknown one', async () => {
      for (const resource of ['leads', 'contacts', 'opportunities', 'quotes', 'tasks', 'users', 'interaction-logs']) {
        await refusedWithoutWrite(() => admin.get(`/api/${resource}/not-an-id/`), 400, 'id:');
        await refusedWithoutWrite(() => admin.get(`/api/${resource}/${randomUUID()}/`), 404);
      }
    });
  });
});
