// Bad input in the bodies of every write route, class by class; and each route's valid body accepted (bad-input.shared.ts has the routes' fixtures and the suite's setup).
// The describe keeps the original file's name, so every test keeps its full name.
import { ApiClient, create, uniq } from '../utils';
import { at, badInputSuite, BODY_LIMIT, MISSING } from './bad-input.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

describe('bad input to the REST API', () => {
  const suite = badInputSuite();
  const { records, refusedWithoutWrite, rawRequest, ROUTES, pathOf, send, named } = suite;
  let admin: ApiClient;
  beforeAll(() => ({ admin } = suite));

  describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
    it('malformed JSON: 400 saying the body is not JSON', async () => {
      for (const text of ['{"name": ', '{name: "x"}', "{'a': 1}", '{"a":1}}', 'nul']) {
        await refusedWithoutWrite(() => rawRequest(route.method, pathOf(route), text, 'application/json'), 400, /JSON/);
      }
    });

    it('a body that is not an object: 400 naming the body', async () => {
      for (const body of [[], ['x'], 'text', 42, null]) {
        await refusedWithoutWrite(() => send(route, body), 400, 'body:');
      }
    });

    it('wrong content type: 415 asking for application/json', async () => {
      const json = JSON.stringify(route.valid());
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
        await refusedWithoutWrite(() => rawRequest(route.method, pathOf(route), json, type), 415, 'application/json');
      }
    });

    it(`a body over the limit (${BODY_LIMIT} bytes): 413`, async () => {
      const body = JSON.stringify(at(route.valid(), route.text, 'x'.repeat(BODY_LIMIT + 1)));
      await refusedWithoutWrite(() => rawRequest(route.method, pathOf(route), body, 'application/json'), 413);
    });

    it('an unknown field: 400 naming it', async () => {
      await refusedWithoutWrite(() => send(route, { ...route.valid(), bogus_field: 1 }), 400, 'bogus_field: unknown field');
      await refusedWithoutWrite(() => send(route, { ...route.valid(), created_by: MISSING }), 400, 'created_by: unknown field');
      await refusedWithoutWrite(() => send(route, { ...route.valid(), id: MISSING }), 400, 'id: unknown field');
    });

    it('wrong types: 400 naming the field', async () => {
      for (const value of [12345, true, ['a'], { a: 1 }]) {
        await refusedWithoutWrite(() => send(route, at(route.valid(), route.text, value)), 400, named(route.text));
      }
    });

    it('text the database cannot store (NUL, a lone surrogate) or over its length: 400 naming the field', async () => {
      for (const value of ['a\u0000b', 'a\ud800b', 'x'.repeat(route.text === 'summary' || route.text === 'notes' ? 10_001 : 256)]) {
        await refusedWithoutWrite(() => send(route, at(route.valid(), route.text, value)), 400, named(route.text));
      }
      if (route.textRequired) await refusedWithoutWrite(() => send(route, at(route.valid(), route.text, '   ')), 400, named(route.text));
    });

    if (route.required) {
      it(`a missing required field (${route.required}): 400 naming it`, async () => {
        await refusedWithoutWrite(() => send(route, at(route.valid(), route.required!, undefined)), 400, named(route.required!));
      });
    }

    if (route.enumField) {
      it(`a value outside the enum (${route.enumField}): 400 naming the field`, async () => {
        for (const value of ['not-a-choice', '', 'NEW', 1]) {
          await refusedWithoutWrite(() => send(route, at(route.valid(), route.enumField!, value)), 400, named(route.enumField!));
        }
      });
    }

    if (route.money) {
      it(`money (${route.money}) with more than two places, out of range or not a number: 400 naming the field`, async () => {
        for (const value of ['1.234', 0.001, '-1.00', -5, '12345678901234.00', 1e20, 'NaN', '1e3', '12,50', '']) {
          await refusedWithoutWrite(() => send(route, at(route.valid(), route.money!, value)), 400, named(route.money!));
        }
      });
    }

    if (route.date) {
      const { field, kind } = route.date;
      it(`dates (${field}) that are no dates, or out of range: 400 naming the field`, async () => {
        const bad =
          kind === 'date'
            ? ['2027-02-30', '2027-13-01', 'tomorrow', '2027-01-01T00:00:00Z', '0000-01-01', '27-01-01']
            : ['2027-02-30T00:00:00Z', '2027-01-01T25:00:00Z', 'tomorrow', '2027-01-01', '2027-01-01T00:00:00', '0000-01-01T00:00:00Z'];
        for (const value of bad) await refusedWithoutWrite(() => send(route, at(route.valid(), field, value)), 400, named(field));
      });
    }

    for (const ref of route.refs ?? []) {
      it(`a reference (${ref}) to a missing record: 400 naming the field, never 500`, async () => {
        const name = ref.split('.').pop()!;
        await refusedWithoutWrite(() => send(route, at(route.valid(), ref, MISSING)), 400, `${name}: no such record`);
        await refusedWithoutWrite(() => send(route, at(route.valid(), ref, 'not-an-id')), 400, named(ref));
      });
    }

    if (route.idOf) {
      it('an id that is not an id: 400 naming it', async () => {
        for (const id of ['not-an-id', '1', "1' or '1'='1", '%00', '00000000-0000-0000-0000-00000000000g']) {
          await refusedWithoutWrite(() => send(route, route.valid(), route.path(id)), 400, 'id:');
        }
      });

      it('an unknown id: 404 naming the record', async () => {
        await refusedWithoutWrite(() => send(route, route.valid(), route.path(MISSING)), 404, `${route.idOf} ${MISSING} not found`);
      });
    }
  });

  describe('the fixtures above are right: each route accepts its valid body', () => {
    it.each(ROUTES.map((r) => [r.name, r] as const))('%s', async (_name, route) => {
      // On fresh records: a conversion or completion can happen only once.
      const fresh: typeof records = { ...records };
      if (route.idOf === 'lead') fresh.lead = (await create(admin, 'leads', { name: uniq('Fresh Lead') })).id;
      if (route.idOf === 'task') fresh.task = (await create(admin, 'tasks', { action: 'Call', target: uniq('Fresh Task') })).id;
      const res = await send(route, route.valid(), route.path(route.idOf ? fresh[route.idOf] : ''));
      expect([200, 201, 202]).toContain(res.status);
    });
  });
});
