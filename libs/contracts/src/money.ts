/**
 * Money as exact decimal strings. Nothing here goes through a float: a client's
 * number is taken by its decimal text, and an amount is kept as the text "1234.50".
 */
const DECIMAL = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/** "1234.5" | 1234.5 -> "1234.50"; null when the value is not a non-negative decimal with at most two places. */
export function toMoney(value: string | number): string | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    // A JS number's shortest round-trip text is the decimal the client wrote.
    text = String(value);
    if (/e/i.test(text)) return null;
  } else {
    text = value.trim();
  }
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const whole = m[1].replace(/^0+(?=\d)/, '');
  const cents = (m[2] ?? '').padEnd(2, '0');
  return `${whole}.${cents}`;
}

/** The summaries' money: "$50000.00", and "$0.00" when there is no amount. */
export function formatMoney(amount: string | null | undefined): string {
  return `$${amount ? (toMoney(amount) ?? amount) : '0.00'}`;
}
