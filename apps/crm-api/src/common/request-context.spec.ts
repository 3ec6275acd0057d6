import { correlationIdFrom } from './request-context';

describe('correlationIdFrom', () => {
  it('keeps a client UUID, normalised', () => {
    expect(correlationIdFrom(' 11111111-2222-4333-8444-55555555555A ')).toBe('11111111-2222-4333-8444-55555555555a');
    expect(correlationIdFrom(['11111111-2222-4333-8444-555555555555', 'x'])).toBe('11111111-2222-4333-8444-555555555555');
  });

  it('makes a new one for anything the event schema would refuse', () => {
    for (const bad of [undefined, '', 'abc', '11111111-1111-1111-1111-111111111111', "1'; drop table x; --"]) {
      const id = correlationIdFrom(bad);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(id).not.toBe(bad);
    }
  });
});
