/**
 * What a new password must not be (NIST SP 800-63B, 5.1.1.2): blank once trimmed, the
 * account's own email or name, or one of the passwords attackers try first. Length is
 * the DTO's (8 to 1024); no composition rules, which the standard advises against.
 */
const COMMON = new Set(
  `password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword 12345678 123456789 1234567890
  12345678910 87654321 11111111 00000000 88888888 11223344 12341234 123123123 1q2w3e4r 1q2w3e4r5t qwertyui qwerty123
  qwertyuiop qwerty12 asdfghjk asdfasdf zxcvbnm1 1qaz2wsx iloveyou iloveyou1 sunshine princess football baseball
  superman batman123 trustno1 letmein1 welcome1 welcome123 abc12345 abcd1234 admin123 administrator changeme
  changeme1 default1 secret123 starwars dragon123 monkey123 master123 shadow123 michael1 jennifer computer
  internet whatever freedom1 mustang1 access14 liverpool chelsea1 arsenal1 charlie1 jordan23 hello123 test1234
  testtest qazwsxedc zaq12wsx aaaaaaaa abcdefgh`.split(/\s+/),
);

export function passwordProblem(password: string, account: { email?: string; name?: string }): string | null {
  const trimmed = password.trim();
  if (!trimmed) return 'must not be blank';
  const folded = trimmed.toLowerCase();
  if (account.email && folded === account.email.trim().toLowerCase()) return 'must not be the email address';
  if (account.email && folded === account.email.trim().toLowerCase().split('@')[0]) return 'must not be the email address';
  if (account.name && folded === account.name.trim().toLowerCase()) return "must not be the user's name";
  if (COMMON.has(folded)) return 'is one of the most common passwords; choose another';
  return null;
}
