import { newTestService } from '../../../../test/utils/service-test';
import type { Caller } from '../common/request-context';
import { Policy } from './policy';
import { RecordAccess } from './record-access';
import { RecordRefsRepository } from './record-refs.repository';

const REP = '0b9f7a52-2f2c-4d8e-9a55-6f0e1c7d2a11';
const OTHER = '5d3c8e0a-77b1-4f0c-bd7e-2a9e4f1c6b22';
const LEAD = '9e1f3c4d-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const rep: Caller = { id: REP, name: 'Rep', email: 'rep@x.co', role: 'sales_rep', kind: 'user' };
const manager: Caller = { ...rep, role: 'manager' };

/** The real Policy over a mocked RecordRefsRepository. */
describe('RecordAccess', () => {
  async function access(visibility: 'team' | 'own') {
    const t = await newTestService(RecordAccess, { env: { RECORD_VISIBILITY: visibility }, providers: [Policy] });
    return { sut: t.sut, refs: t.mock(RecordRefsRepository) };
  }

  it('own: a reference to a record the rep does not read is the 404 of a missing one; a readable one passes', async () => {
    const { sut, refs } = await access('own');
    refs.readableExists.mockResolvedValueOnce(false);
    await expect(sut.assertReadableRefs(rep, { lead: LEAD, contact: null })).rejects.toMatchObject({ code: 'not_found', message: `lead ${LEAD} not found` });
    expect(refs.readableExists).toHaveBeenCalledWith('lead', LEAD, expect.stringContaining(REP));
    refs.readableExists.mockResolvedValueOnce(true);
    await expect(sut.assertReadableRefs(rep, { lead: LEAD })).resolves.toBeUndefined();
  });

  it('team, or a manager: every reference is readable without a query', async () => {
    for (const [visibility, caller] of [
      ['team', rep],
      ['own', manager],
    ] as const) {
      const { sut } = await access(visibility);
      await expect(sut.assertReadableRefs(caller, { lead: LEAD, opportunity: OTHER })).resolves.toBeUndefined();
    }
  });

  it('a parent a rep adds to: 404 unseen, 403 seen but not theirs, fine when theirs; a manager is not even looked up', async () => {
    const { sut, refs } = await access('team');
    refs.owned.mockResolvedValueOnce(null);
    await expect(sut.assertWritableRef(rep, 'lead', LEAD, 'log interactions on')).rejects.toMatchObject({ code: 'not_found' });
    refs.owned.mockResolvedValueOnce({ id: LEAD, createdById: OTHER, assignedToId: OTHER });
    await expect(sut.assertWritableRef(rep, 'lead', LEAD, 'log interactions on')).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('log interactions on'),
    });
    refs.owned.mockResolvedValueOnce({ id: LEAD, createdById: OTHER, assignedToId: REP });
    await expect(sut.assertWritableRef(rep, 'lead', LEAD, 'log interactions on')).resolves.toBeUndefined();
    expect(refs.owned).toHaveBeenCalledWith('lead', LEAD, null);
    await expect(sut.assertWritableRef(manager, 'lead', LEAD, 'log interactions on')).resolves.toBeUndefined();
    expect(refs.owned).toHaveBeenCalledTimes(3);
  });
});
