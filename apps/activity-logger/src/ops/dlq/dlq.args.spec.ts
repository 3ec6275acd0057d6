import { DEFAULT_BROWSE_LIMIT, parseDlqArgs } from './dlq.args';

describe('parseDlqArgs', () => {
  it.each([
    [['list'], { action: 'list', limit: DEFAULT_BROWSE_LIMIT }],
    [['list', '--limit', '50'], { action: 'list', limit: 50 }],
    [['show', 'abc'], { action: 'show', id: 'abc', limit: DEFAULT_BROWSE_LIMIT }],
    [['replay', 'a', 'b'], { action: 'replay', ids: ['a', 'b'], all: false, force: false, limit: DEFAULT_BROWSE_LIMIT }],
    [['replay', '--all', '--force', '--limit=10'], { action: 'replay', ids: [], all: true, force: true, limit: 10 }],
    [['purge'], { action: 'purge', yes: false }],
    [['purge', '--yes'], { action: 'purge', yes: true }],
  ])('%j', (argv, expected) => {
    expect(parseDlqArgs(argv)).toEqual(expected);
  });

  it.each([
    [[], 'which dlq command?'],
    [['drop'], 'unknown dlq command: drop'],
    [['list', 'x'], 'list takes no arguments (got x)'],
    [['show'], 'show takes exactly one ID'],
    [['replay'], 'replay takes either IDs or --all'],
    [['replay', '--all', 'a'], 'replay takes either IDs or --all'],
    [['purge', '--all'], 'purge does not take --all'],
    [['list', '--limit', '0'], '--limit must be an integer from 1 to 65535'],
    [['list', '--limit'], '--limit must be an integer from 1 to 65535'],
    [['purge', '--yes=1'], '--yes takes no value'],
    [['list', '--everything'], 'list does not take --everything'],
  ])('refuses %j', (argv, error) => {
    expect(parseDlqArgs(argv)).toBe(error);
  });
});
