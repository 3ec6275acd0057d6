import { fakeRecords, requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { UsersRepository } from '../users/users.repository';
import { OpportunitiesRepository } from './opportunities.repository';
import { OpportunitiesService } from './opportunities.service';
import { Opportunity } from './opportunity.entity';

describe('OpportunitiesService (repositories mocked)', () => {
  const ctx = requestCtx('manager');
  const other = '00000000-0000-4000-8000-0000000000c1';
  const build = async () => {
    const opportunities = fakeRecords<Opportunity>('opportunity');
    const users = { names: jest.fn(async (ids: string[]) => new Map(ids.map((id) => [id, `name of ${id}`]))) };
    const built = await serviceWith(OpportunitiesService, [
      { provide: OpportunitiesRepository, useValue: opportunities },
      { provide: UsersRepository, useValue: users },
    ]);
    return { opportunities, users, ...built };
  };

  it('create: the owner defaults to the caller; opportunity.created carries the links', async () => {
    const { service, emitted } = await build();
    const o = await service.create({ name: 'Deal', amount: '100.00', stage: 'qualification' }, ctx);
    expect(o).toMatchObject({ ownerId: ctx.caller.id, contactId: null, leadId: null, amount: '100.00' });
    expect(emitted.of('opportunity.created')[0].data).toMatchObject({ opportunity_id: o.id, owner_id: ctx.caller.id, stage: 'qualification' });
  });

  it('update: a stage change and a new owner emit, in that order; an unchanged stage does not', async () => {
    const { service, opportunities, users, emitted } = await build();
    const o = opportunities.add({ name: 'Deal', amount: null, stage: 'qualification', ownerId: ctx.caller.id, contactId: null, leadId: null }) as Opportunity;
    await service.update(o.id, { stage: 'proposal', owner: other }, ctx);
    expect(emitted.types()).toEqual(['opportunity.stage_changed', 'opportunity.reassigned']);
    expect(users.names).toHaveBeenCalledWith([ctx.caller.id, other]);
    expect(emitted.of('opportunity.reassigned')[0].data).toMatchObject({ field: 'owner', new_value: { id: other, name: `name of ${other}` } });
    await service.update(o.id, { stage: 'proposal' }, ctx);
    expect(emitted.events).toHaveLength(2);
  });

  it('remove emits opportunity.deleted', async () => {
    const { service, opportunities, emitted } = await build();
    const o = opportunities.add({ name: 'Deal', amount: null, stage: 'won', ownerId: other, contactId: null, leadId: null }) as Opportunity;
    await service.remove(o.id, ctx);
    expect(emitted.types()).toEqual(['opportunity.deleted']);
  });
});
