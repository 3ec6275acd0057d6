import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { ApiConfig } from '../config/api.config';
import { User } from '../users/user.entity';
import { signJwt, verifyJwt } from './jwt';
import { SignInSlots } from './sign-in-slots';
import { LoginLimiter } from './login-limiter';
import { decoyHash, verifyPassword } from './password';

const CALLER_CACHE_MS = 5_000;
const CALLER_CACHE_SIZE = 10_000;

@Injectable()
export class AuthService {
  private readonly callers = new Map<string, { caller: Caller; until: number }>();
  private readonly limiter: LoginLimiter;
  private readonly signInSlots: SignInSlots;

  constructor(
    private readonly em: EntityManager,
    private readonly config: ApiConfig,
  ) {
    this.limiter = new LoginLimiter(em, config.LOGIN_WINDOW_SECONDS);
    this.signInSlots = new SignInSlots(config.SIGN_IN_CONCURRENCY, config.SIGN_IN_WAIT_MS);
  }

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

    const user = await this.em.findOne(User, { email: normalized });
    // Hash something even for an unknown email, so timing does not tell which exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok) {
      await this.limiter.fail(ip, normalized);
      throw DomainError.unauthorized('wrong email or password');
    }
    await this.limiter.succeed(ip, normalized);
    return { token: signJwt(user.id, this.config.JWT_SECRET, this.config.JWT_TTL_SECONDS) };
  }

  /**
   * The user a bearer token stands for, looked up by primary key. Found users are kept
   * for CALLER_CACHE_MS: the lookup was a fifth of a write's cost under load (profiled,
   * see docs/benchmarks.md), and a removed user's tokens stop working within that time.
   */
  async authenticate(token: string): Promise<Caller> {
    const claims = verifyJwt(token, this.config.JWT_SECRET);
    if (!claims) throw DomainError.unauthorized('invalid or expired token');
    const cached = this.callers.get(claims.sub);
    if (cached && cached.until > Date.now()) return cached.caller;
    const user = /^[0-9a-f-]{36}$/i.test(claims.sub) ? await this.em.findOne(User, { id: claims.sub }) : null;
    if (!user) throw DomainError.unauthorized('the token\'s user no longer exists');
    const caller: Caller = { id: user.id, name: user.name, email: user.email, role: user.role };
    if (this.callers.size >= CALLER_CACHE_SIZE) this.callers.clear(); // bounded; a refill costs one query per user
    this.callers.set(user.id, { caller, until: Date.now() + CALLER_CACHE_MS });
    return caller;
  }
}
