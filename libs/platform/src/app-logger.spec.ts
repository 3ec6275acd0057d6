import { AppLogger } from './app-logger';

/** What the logger wrote to stdout and stderr while `fn` ran. */
function capture(fn: () => void): { out: string; err: string } {
  const written = { out: '', err: '' };
  const spies = (['stdout', 'stderr'] as const).map((name) =>
    jest.spyOn(process[name], 'write').mockImplementation((chunk: string | Uint8Array) => {
      written[name === 'stdout' ? 'out' : 'err'] += String(chunk);
      return true;
    }),
  );
  try {
    fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written;
}

describe('AppLogger', () => {
  it('JSON: one object per line, the fields of an object message at the top level, our level names', () => {
    const logger = new AppLogger('crm-api', 'info');
    const { out, err } = capture(() => {
      logger.log({ msg: 'listening', port: 3000 });
      logger.log('Mapped route', 'RouterExplorer');
      logger.verbose('not at info');
      logger.warn({ msg: 'slow' }, 'database');
      logger.error({ msg: 'boom' }, 'Error: x\n    at f (/a.js:1:2)', 'Ctx');
    });
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { time: expect.any(String), level: 'info', service: 'crm-api', msg: 'listening', port: 3000 },
      { time: expect.any(String), level: 'info', service: 'crm-api', context: 'RouterExplorer', msg: 'Mapped route' },
    ]);
    expect(out).toContain('"msg":"listening"'); // what the tests and tools look for
    expect(
      err
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ).toEqual([
      { time: expect.any(String), level: 'warn', service: 'crm-api', context: 'database', msg: 'slow' },
      { time: expect.any(String), level: 'error', service: 'crm-api', context: 'Ctx', msg: 'boom', stack: 'Error: x\n    at f (/a.js:1:2)' },
    ]);
  });

  it('LOG_LEVEL=debug prints debug and verbose as "debug"; an Error gives its message and stack', () => {
    const logger = new AppLogger('activity-logger', 'debug');
    const { out, err } = capture(() => {
      logger.debug({ msg: 'logged', event_id: 'e1' });
      logger.verbose('detail');
      logger.error(new Error('broken'));
    });
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).level),
    ).toEqual(['debug', 'debug']);
    expect(JSON.parse(err)).toMatchObject({ level: 'error', msg: 'broken', stack: expect.stringContaining('Error: broken') });
  });

  it('pretty: no JSON, the message first, then the fields', () => {
    const { out } = capture(() => new AppLogger('crm-api', 'info', 'pretty').log({ msg: 'listening', port: 3000 }));
    expect(out).not.toContain('{"');
    // The colour codes (ESC [ … m) taken out; ESC by its code, as no-control-regex forbids it in a literal.
    const colours = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
    expect(out.replace(colours, '')).toMatch(/\[crm-api\] \d+ .* LOG listening \{ port: 3000 \}\n$/);
  });
});
