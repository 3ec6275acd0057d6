import { ApiConfig } from '../config/api.config';
import type { Caller } from '../common/request-context';
import { ownersOf, Policy, visibleIdsSql } from './policy';

const ME = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01';
const OTHER = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c02';
const caller = (role: Caller['role']): Caller => ({ id: ME, name: 'Me', email: 'me@x.co', role, kind: 'user' });
const policy = (visibility: 'team' | 'own') => new Policy(Object.assign(new ApiConfig(), { RECORD_VISIBILITY: visibility }));

describe('Policy', () => {
  it('owners are the assignee/owner and the creator', () => {
    expect(ownersOf('lead', { assignedToId: ME, createdById: OTHER })).toEqual([ME, OTHER]);
    expect(ownersOf('opportunity', { ownerId: OTHER, createdById: null })).toEqual([OTHER]);
    expect(ownersOf('contact', { createdById: ME, leadId: OTHER })).toEqual([ME]);
  });

  it('a rep writes only what they own; managers and admins everything', () => {
    const theirs = { id: 'x', assignedToId: OTHER, createdById: OTHER };
    const mine = { id: 'y', assignedToId: OTHER, createdById: ME };
    expect(policy('team').mayWrite(caller('sales_rep'), 'lead', mine)).toBe(true);
    expect(policy('team').mayWrite(caller('sales_rep'), 'lead', theirs)).toBe(false);
    expect(() => policy('team').assertWrite(caller('sales_rep'), 'lead', theirs, 'delete')).toThrow(/may only delete records they own/);
    for (const role of ['manager', 'admin'] as const) expect(policy('own').mayWrite(caller(role), 'lead', theirs)).toBe(true);
  });

  it('RECORD_VISIBILITY: team reads all; own restricts reps only', () => {
    expect(policy('team').readableIdsSql('lead', caller('sales_rep'))).toBeNull();
    expect(policy('own').readableIdsSql('lead', caller('manager'))).toBeNull();
    expect(policy('own').readableIdsSql('lead', caller('sales_rep'))).toContain(ME);
    expect(policy('own').readableLogsSql(caller('sales_rep'))).toMatch(/^\(user_id = /);
  });

  it('only a UUID is ever inlined into the SQL', () => {
    expect(() => visibleIdsSql('task', "x' or true --")).toThrow(/UUID/);
  });

  it('only an admin manages users', () => {
    expect(policy('team').managesUsers(caller('admin'))).toBe(true);
    expect(policy('team').managesUsers(caller('manager'))).toBe(false);
  });
});
