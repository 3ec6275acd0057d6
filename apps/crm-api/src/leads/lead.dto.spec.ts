import { ConvertLeadDto, CreateLeadDto, LeadListQuery, UpdateLeadDto } from './lead.dto';

const ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01';

describe('lead DTOs', () => {
  it('defaults the status and keeps absent fields absent', () => {
    expect(CreateLeadDto.parse({ name: ' John Doe ' })).toEqual({ name: 'John Doe', status: 'new' });
  });

  it('refuses unknown fields, bad status and bad references', () => {
    const r = CreateLeadDto.safeParse({ name: 'x', status: 'hot', assigned_to: 'me', created_by: ID });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.') || i.code)).toEqual(expect.arrayContaining(['status', 'assigned_to', 'unrecognized_keys']));
  });

  it('PATCH: undefined leaves alone, null clears, name cannot be cleared', () => {
    expect(UpdateLeadDto.parse({ company: null, assigned_to: null })).toEqual({ company: null, assigned_to: null });
    expect(UpdateLeadDto.parse({})).toEqual({});
    expect(UpdateLeadDto.safeParse({ name: null }).success).toBe(false);
    expect(UpdateLeadDto.safeParse({ name: '' }).success).toBe(false);
  });

  it('convert: needs the opportunity name and amount; stage defaults', () => {
    expect(ConvertLeadDto.parse({ opportunity: { name: 'Deal', amount: 50000 } })).toEqual({
      opportunity: { name: 'Deal', amount: '50000.00', stage: 'qualification' },
    });
    expect(ConvertLeadDto.safeParse({ opportunity: { name: 'Deal' } }).success).toBe(false);
    expect(ConvertLeadDto.safeParse({ opportunity: { name: 'Deal', amount: 1, contact: ID } }).success).toBe(false);
    expect(ConvertLeadDto.safeParse({}).success).toBe(false);
  });

  it('list query: filters and paging, nothing else', () => {
    expect(LeadListQuery.parse({ status: 'new', assigned_to: ID })).toEqual({ status: 'new', assigned_to: ID, limit: 20 });
    expect(LeadListQuery.safeParse({ assigned_to: 'x' }).success).toBe(false);
    expect(LeadListQuery.safeParse({ ordering: 'name' }).success).toBe(false);
  });
});
