import { Logger } from '@nestjs/common';
import { ThrottledWarning } from './throttled-warning';

describe('ThrottledWarning', () => {
  it('logs the first at once, then one line per window saying how many it stands for', () => {
    const lines: unknown[] = [];
    const log = { warn: (l: unknown) => lines.push(l) } as unknown as Logger;
    let t = 0;
    const w = new ThrottledWarning(log, 10_000, () => t);
    w.warn({ msg: 'database unavailable', error: 'a' });
    for (t = 1; t < 10_000; t += 1000) w.warn({ msg: 'database unavailable', error: 'b' });
    expect(lines).toEqual([{ msg: 'database unavailable', error: 'a' }]);
    t = 10_000;
    w.warn({ msg: 'database unavailable', error: 'c' });
    expect(lines[1]).toEqual({ msg: 'database unavailable', error: 'c', more_since_last_line: 10 });
    t = 30_000;
    w.warn({ msg: 'database unavailable', error: 'd' });
    expect(lines[2]).toEqual({ msg: 'database unavailable', error: 'd' });
  });
});
