/**
 * A strict RFC 4180 reader for the tests (no package of ours parses CSV): quoted fields
 * with doubled quotes, commas and line breaks inside; records end with CRLF. Anything
 * else (a bare quote in an unquoted field, a lone LF between records) throws, so a
 * malformed export fails the test instead of being read kindly.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let field = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= n) throw new Error('CSV: a quoted field is not closed');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += text[i];
        i += 1;
      }
    } else {
      while (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`CSV: a quote inside an unquoted field at ${i}`);
        field += text[i];
        i += 1;
      }
    }
    row.push(field);
    if (text[i] === ',') {
      i += 1;
    } else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < n) {
      throw new Error(`CSV: expected a comma or CRLF at ${i}, found ${JSON.stringify(text[i])}`);
    } else {
      rows.push(row);
    }
  }
  return rows;
}
