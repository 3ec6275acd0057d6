import { statementName } from './named-query';

describe('statementName', () => {
  it('one name per text, the same every time; another text another name', () => {
    const a = statementName('insert-new', 'insert into a values ($1)');
    expect(a).toMatch(/^insert-new:[\w-]+$/);
    expect(statementName('insert-new', 'insert into a values ($1)')).toBe(a);
    expect(statementName('insert-new', 'insert into b values ($1)')).not.toBe(a);
  });

  it('bounded: past a few hundred texts a new one is unnamed, the ones named keep their name', () => {
    const first = statementName('t', 'select 0');
    let unnamed = 0;
    for (let i = 1; i <= 1000; i++) if (statementName('t', `select ${i}`) === undefined) unnamed++;
    expect(unnamed).toBeGreaterThan(500);
    expect(statementName('t', 'select 0')).toBe(first);
  });
});
