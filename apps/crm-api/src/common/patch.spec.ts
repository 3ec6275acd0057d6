import { applyChanges } from './patch';

describe('applyChanges', () => {
  it('sets what changed, leaves undefined alone, clears null', () => {
    const e = { name: 'a', company: 'c' as string | null, status: 'new', due: new Date(1) as Date | null };
    expect(applyChanges(e, { name: 'a', company: null, status: undefined, due: new Date(1) })).toEqual(['company']);
    expect(e).toEqual({ name: 'a', company: null, status: 'new', due: new Date(1) });
    expect(applyChanges(e, { due: new Date(2), status: 'won' })).toEqual(['due', 'status']);
  });
});
