import { preferredWait } from './prefer-wait';

describe('preferredWait', () => {
  it('reads wait=N among other preferences', () => {
    expect(preferredWait('wait=5')).toBe(5);
    expect(preferredWait('respond-async, wait=3')).toBe(3);
    expect(preferredWait('Wait = "2"; foo=bar')).toBe(2);
    expect(preferredWait(['handling=lenient', 'wait=1'])).toBe(1);
    expect(preferredWait('wait=0')).toBe(0);
  });

  it('caps long waits', () => {
    expect(preferredWait('wait=600')).toBe(10);
  });

  it('ignores what it cannot read', () => {
    expect(preferredWait(undefined)).toBeNull();
    expect(preferredWait('')).toBeNull();
    expect(preferredWait('respond-async')).toBeNull();
    expect(preferredWait('wait=-1')).toBeNull();
    expect(preferredWait('wait=abc')).toBeNull();
    expect(preferredWait('wait=1.5')).toBeNull();
  });
});
