import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { PolicyModule } from './auth/policy.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { AnswersModule } from './common/answers.module';
import { ApiConfig } from './config/api.config';
import { ConfigModule } from './config/config.module';
import { ContactsModule } from './contacts/contacts.module';
import { dbTimeouts } from './database/db-timeouts';
import { crmOrmConfig } from './database/orm.config';
import { FeedModule } from './feed/feed.module';
import { HealthModule } from './health/health.module';
import { InteractionsModule } from './interactions/interactions.module';
import { LeadsModule } from './leads/leads.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpportunitiesModule } from './opportunities/opportunities.module';
import { OutboxModule } from './outbox/outbox.module';
import { QuotesModule } from './quotes/quotes.module';
import { TasksModule } from './tasks/tasks.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    // Every request gets its own EntityManager (a RequestContext fork) from a Fastify hook
    // (database/request-context.ts), not the module's middleware; services inject
    // EntityManager and get the request's.
    MikroOrmModule.forRootAsync({
      inject: [ApiConfig],
      driver: PostgreSqlDriver,
      useFactory: (config: ApiConfig) => {
        const log = new Logger('database');
        return {
          ...crmOrmConfig(config.DATABASE_URL, config.DB_POOL_SIZE, {
            timeouts: dbTimeouts(config),
            acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
            applicationName: 'crm-api',
            warn: (message) => log.warn({ msg: 'database pool', pool: 'records', warning: message }),
          }),
          registerRequestContext: false,
        };
      },
    }),
    PolicyModule,
    AnswersModule,
    MetricsModule,
    OutboxModule,
    FeedModule,
    AuthModule,
    UsersModule,
    ApiKeysModule,
    LeadsModule,
    ContactsModule,
    OpportunitiesModule,
    QuotesModule,
    TasksModule,
    InteractionsModule,
    HealthModule,
  ],
  // The answer interceptors (idempotency, ETag) are the routes' own: common/answers.module.ts.
  providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
})
export class AppModule {
  /** `config` is loaded once, in main.ts (or by whoever builds the app), before anything else starts. */
  static forRoot(config: ApiConfig): DynamicModule {
    return { module: AppModule, imports: [ConfigModule.forRoot(config)] };
  }
}
