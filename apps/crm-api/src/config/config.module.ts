import { Global, Module } from '@nestjs/common';
import { ApiConfig } from './api.config';

@Global()
@Module({
  providers: [{ provide: ApiConfig, useFactory: () => ApiConfig.load() }],
  exports: [ApiConfig],
})
export class ConfigModule {}
