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

  it('leaves anything else alone', () => {
    expect(fromDatabaseError(new Error('boom'))).toBeNull();
    expect(fromDatabaseError({ code: '42P01' })).toBeNull();
  });

  it('strips the _id suffix of a column', () => {
    expect(columnToField('lead_id')).toBe('lead');
    expect(columnToField('email')).toBe('email');
  });
});
