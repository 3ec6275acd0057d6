import { classifyWriteError, describeWriteError } from './write-errors';

const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('classifyWriteError', () => {
  it.each([
    ['connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'],
    ['read ECONNRESET', 'ECONNRESET'],
    ['terminating connection due to administrator command', '57P01'],
    ['the database system is starting up', '57P03'],
    ['sorry, too many clients already', '53300'],
    ['connection failure', '08006'],
    ['could not serialize access', '40001'],
    ['deadlock detected', '40P01'],
    ['cannot execute INSERT in a read-only transaction', '25006'],
    ['database "crm" does not exist', '3D000'],
    ['relation "activity.interaction_log" does not exist', '42P01'],
  ])('holds the batch on %s (%s)', (message, code) => {
    expect(classifyWriteError(err(message, code))).toBe('transient');
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Query read timeout',
    'Client has encountered a connection error and is not queryable',
  ])('holds the batch on node-postgres\'s "%s"', (message) => {
    expect(classifyWriteError(err(message))).toBe('transient');
  });

  it.each([
    ['invalid byte sequence for encoding "UTF8": 0x00', '22021'],
    ['unsupported Unicode escape sequence', '22P05'],
    ['new row violates check constraint', '23514'],
    ['null value in column "user_id" violates not-null constraint', '23502'],
    ['invalid input syntax for type uuid', '22P02'],
  ])('isolates the message on %s (%s)', (message, code) => {
    expect(classifyWriteError(err(message, code))).toBe('message');
  });

  it("isolates the message on an error that is not the database's", () => {
    expect(classifyWriteError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe('message');
    expect(classifyWriteError(undefined)).toBe('message');
  });
});

describe('describeWriteError', () => {
  it('adds the SQLSTATE', () => {
    expect(describeWriteError(err('invalid byte sequence for encoding "UTF8": 0x00', '22021'))).toBe('invalid byte sequence for encoding "UTF8": 0x00 (22021)');
    expect(describeWriteError(new Error('boom'))).toBe('boom');
  });
});
