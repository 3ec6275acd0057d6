import { Global, Module } from '@nestjs/common';
import { EtagInterceptor } from './etag';
import { IdempotencyInterceptor } from './idempotency';
import { IdempotencyRepository } from './idempotency.repository';

/**
 * What the answer interceptors need wherever a controller uses them (@Idempotent(),
 * @RecordAnswers()): global, so every feature module's routes can.
 */
@Global()
@Module({
  providers: [IdempotencyRepository, IdempotencyInterceptor, EtagInterceptor],
  exports: [IdempotencyRepository, IdempotencyInterceptor, EtagInterceptor],
})
export class AnswersModule {}
