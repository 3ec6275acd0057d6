import { csvCell, csvLine, CSV_HEAD, ExportRow } from './feed.export';

describe('feed export CSV', () => {
  it('quotes a cell with a comma, a quote or a line break (RFC 4180), doubling its quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('one\ntwo')).toBe('"one\ntwo"');
    expect(csvCell('one\r\ntwo')).toBe('"one\r\ntwo"');
    expect(csvCell(null)).toBe('');
    expect(csvCell('')).toBe('');
  });

  it('puts a single quote before a cell a spreadsheet would read as a formula', () => {
    for (const lead of ['=', '+', '-', '@', '\t']) expect(csvCell(`${lead}1+1`)).toBe(`'${lead}1+1`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
    expect(csvCell('1-2')).toBe('1-2');
    expect(csvCell('WON! \u{1F389}')).toBe('WON! \u{1F389}');
  });

  it('starts with a byte-order mark and the header; ends every record with CRLF', () => {
    expect(CSV_HEAD.startsWith('\uFEFFtimestamp,recorded_at,kind,')).toBe(true);
    expect(CSV_HEAD.endsWith('\r\n')).toBe(true);
    const row: ExportRow = {
      id: 'i',
      timestamp: 't',
      recorded_at: 'r',
      user: 'u',
      user_name: null,
      type: 'note',
      summary: 'a, b',
      lead: null,
      contact: 'c',
      opportunity: null,
      source: 'manual',
      correlation_id: 'k',
      event_type: 'interaction.logged',
      data: {},
      kind: 'interaction',
      via: { type: 'task', id: 'v', name: '=x' },
      edited_at: null,
      edited_by: null,
    };
    expect(csvLine(row)).toBe(`t,r,interaction,note,interaction.logged,manual,"a, b",u,,,c,,task,v,'=x,k,i,,,\r\n`);
  });
});
