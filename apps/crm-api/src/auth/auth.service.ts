import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { ApiConfig } from '../config/api.config';
import { looksLikeKey } from '../api-keys/secret';
import { ApiKeyAuth } from './api-key-auth';
import { CredentialsRepository } from './credentials.repository';
import { SignInSlots } from './sign-in-slots';
import { LoginLimiter } from './login-limiter';
import { decoyHash, verifyPassword } from './password';
import { SessionsService } from './sessions.service';
import { Tokens } from './tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class AuthService {
  constructor(
    private readonly users: CredentialsRepository,
    private readonly config: ApiConfig,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeyAuth,
    private readonly limiter: LoginLimiter,
    private readonly signInSlots: SignInSlots,
    private readonly tokens: Tokens,
  ) {}

  /**
   * A token for the right email and password; one answer for every wrong pair. The whole
   * check holds one of the sign-in slots: a flood waits for them (or gets 429), and never
   * holds more than that many pool connections and hashing threads.
   */
  login(email: string, password: string, ip: string): Promise<{ token: string }> {
    return this.signInSlots.run(() => this.checkPassword(email, password, ip));
  }

  private async checkPassword(email: string, password: string, ip: string): Promise<{ token: string }> {
    const normalized = email.trim().toLowerCase();
    const wait = await this.limiter.retryAfter(ip, normalized);
    if (wait > 0) throw new DomainError('rate_limited', `too many failed logins; try again in ${wait} s`, wait);

    const found = await this.users.byEmail(normalized);
    // An API key's service user never signs in: it is treated as no user at all.
    const user = found?.kind === 'person' ? found : null;
    // Hash something even for an unknown email, so timing does not tell which exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok) {
      await this.limiter.fail(ip, normalized);
      throw DomainError.unauthorized('wrong email or password');
    }
    await this.limiter.succeed(ip, normalized);
    // Said only to whoever knows the password: the account exists but an admin disabled it.
    if (user.disabledAt) throw DomainError.unauthorized('this account is disabled; ask an admin');
    const sessionId = await this.sessions.open(user.id);
    return { token: this.tokens.sign(user.id, sessionId) };
  }

  /**
   * The user a bearer token stands for (or, for an API key, its service user: api-key-auth.ts), from its session, on every request: no cache, so
   * a logout, a disabled user or a new role take effect on the next request on every
   * replica (docs/decisions.md, "Sessions that can be ended").
   */
  async authenticate(token: string): Promise<Caller> {
    if (looksLikeKey(token)) return this.apiKeys.authenticate(token);
    const claims = this.tokens.verify(token);
    if (!claims) throw DomainError.unauthorized('invalid or expired token');
    if (!claims.sid || !UUID.test(claims.sid) || !UUID.test(claims.sub)) throw DomainError.unauthorized('invalid or expired token');
    const caller = await this.sessions.caller(claims.sid, claims.sub);
    if (!caller) throw DomainError.unauthorized('the session has ended (signed out, disabled or expired): sign in again');
    return caller;
  }

  /** Ends the caller's session: its token is refused from now on, on every replica, and its streams end. */
  async logout(caller: Caller): Promise<void> {
    if (caller.sessionId) await this.sessions.end(caller.sessionId);
  }
}
