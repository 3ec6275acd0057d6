import { passwordProblem } from './password-rules';

describe('password rules (NIST SP 800-63B)', () => {
  const account = { email: 'Rita.Rep@example.com', name: 'Rita Rep' };

  it('refuses blank-after-trim, the email, the name and common passwords', () => {
    expect(passwordProblem('          ', account)).toBe('must not be blank');
    expect(passwordProblem(' rita.rep@EXAMPLE.com ', account)).toBe('must not be the email address');
    expect(passwordProblem('rita.rep', account)).toBe('must not be the email address');
    expect(passwordProblem('RITA REP', account)).toBe("must not be the user's name");
    expect(passwordProblem('Password123', account)).toMatch(/most common/);
    expect(passwordProblem('qwertyuiop', account)).toMatch(/most common/);
  });

  it('accepts anything else, spaces and all', () => {
    expect(passwordProblem('correct horse battery', account)).toBeNull();
    expect(passwordProblem('  padded but fine  ', account)).toBeNull();
  });
});
