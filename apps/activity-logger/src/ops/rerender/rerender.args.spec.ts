import { DEFAULT_RERENDER_BATCH, parseRerenderArgs } from './rerender.args';

describe('parseRerenderArgs', () => {
  it('takes --batch N or --batch=N, with a default', () => {
    expect(parseRerenderArgs([])).toEqual({ batch: DEFAULT_RERENDER_BATCH });
    expect(parseRerenderArgs(['--batch', '2'])).toEqual({ batch: 2 });
    expect(parseRerenderArgs(['--batch=500'])).toEqual({ batch: 500 });
  });

  it.each([[['--batch', '0']], [['--batch', 'x']], [['--batch']], [['--batch', '10001']]])('refuses %j', (argv) => {
    expect(parseRerenderArgs(argv)).toBe('--batch must be an integer from 1 to 10000');
  });

  it('refuses anything else', () => {
    expect(parseRerenderArgs(['--all'])).toBe('unexpected argument: --all');
  });
});
