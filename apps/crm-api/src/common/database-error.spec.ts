import { DomainError } from './domain-error';
import { columnToField, fromDatabaseError } from './database-error';

describe('fromDatabaseError', () => {
  it('maps a unique violation to 409 naming the field', () => {
    const r = fromDatabaseError({ code: '23505', detail: 'Key (email)=(a@b.c) already exists.' }) as DomainError;
    expect(r.code).toBe('conflict');
    expect(r.detail).toBe('email: already exists');
  });

  it('maps a missing referenced row to 400 naming the API field', () => {
    const r = fromDatabaseError({ code: '23503', detail: 'Key (assigned_to_id)=(x) is not present in table "users".' }) as DomainError;
    expect(r.code).toBe('invalid');
    expect(r.detail).toEqual(['assigned_to: no such record']);
  });

  it('maps a delete of a still referenced row to 409', () => {
    const r = fromDatabaseError({ code: '23503', detail: 'Key (id)=(x) is still referenced from table "opportunities".' }) as DomainError;
    expect(r.code).toBe('conflict');
  });

  it('maps data exceptions to 400 and outages to unavailable', () => {
    expect((fromDatabaseError({ code: '22001' }) as DomainError).code).toBe('invalid');
    expect(fromDatabaseError({ code: 'ECONNREFUSED' })).toHaveProperty('unavailable');
    expect(fromDatabaseError({ code: '08006' })).toHaveProperty('unavailable');
    // The driver's codeless errors for a line that dropped.
    for (const message of ['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect'])
      expect(fromDatabaseError(new Error(message))).toHaveProperty('unavailable');
    expect(fromDatabaseError(new Error('something else entirely'))).toBeNull();
  });

  it('maps a lost line, a timeout and a busy server to unavailable, however knex and MikroORM wrap them', () => {
    // knex puts the statement before the driver's words; MikroORM renames knex's acquire timeout.
    for (const message of [
      'with w0 as (insert into "crm"."leads" ("id") values ($1) returning 1) select 1 - Connection terminated unexpectedly',
      'select 1 - Query read timeout',
      'timeout expired',
      'Client has encountered a connection error and is not queryable',
      'Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?',
    ])
      expect(fromDatabaseError(Object.assign(new Error(message), { name: 'DriverException' }))).toHaveProperty('unavailable');
    expect(fromDatabaseError({ code: '57014', message: 'canceling statement due to statement timeout' })).toHaveProperty('unavailable');
    expect(fromDatabaseError({ code: '53300', message: 'sorry, too many clients already' })).toHaveProperty('unavailable');
    expect(fromDatabaseError({ code: '57P01', message: 'terminating connection due to administrator command' })).toHaveProperty('unavailable');
    // A statement's own text mentioning the words is not an outage.
    expect(fromDatabaseError({ code: '23505', message: "insert into notes values ('Connection terminated') - duplicate key" })).not.toHaveProperty('unavailable');
  });

  it('leaves anything else alone', () => {
    expect(fromDatabaseError(new Error('boom'))).toBeNull();
    expect(fromDatabaseError({ code: '42P01' })).toBeNull();
  });

  it('strips the _id suffix of a column', () => {
    expect(columnToField('lead_id')).toBe('lead');
    expect(columnToField('email')).toBe('email');
  });
});
