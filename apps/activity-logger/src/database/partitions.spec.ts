import { monthOf } from './partitions';

/** monthOf reads the month off a plain UTC timestamp; whatever it reads must be what Date says. */
describe('monthOf', () => {
  const viaDate = (t: Date | string) => new Date(t).toISOString().slice(0, 7);

  it('gives the UTC month of every shape of timestamp, as Date does', () => {
    for (const t of [
      '2026-11-30T09:15:00.123Z',
      '2026-01-01T00:00:00Z',
      '2026-12-28T23:59:59.999999Z',
      '2026-12-31T23:30:00-01:00', // next year in UTC
      '2026-03-01T00:30:00+02:00', // previous month in UTC
      '2026-02-29T10:00:00Z', // no such day: Date rolls it over
      '2028-02-29T10:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-06-30T24:00:00Z',
      '2026-07-15T10:00Z',
      '0999-05-05T00:00:00Z',
      new Date('2026-08-31T23:59:59.999Z'),
    ])
      expect(monthOf(t)).toBe(viaDate(t));
  });

  it("agrees with Date on every month's last days, leap years included", () => {
    for (const year of ['1900', '2000', '2024', '2026'])
      for (let month = 1; month <= 12; month++)
        for (let day = 27; day <= 31; day++) {
          const t = `${year}-${String(month).padStart(2, '0')}-${day}T23:59:59.999Z`;
          expect(monthOf(t)).toBe(viaDate(t));
        }
  });

  it('throws on what is not a timestamp, as before', () => {
    expect(() => monthOf('not a time')).toThrow(RangeError);
  });
});
