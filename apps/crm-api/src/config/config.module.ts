import { DynamicModule, Module } from '@nestjs/common';
import { ApiConfig } from './api.config';

/** Provides the configuration main.ts loaded, once, to every module: nothing reads the environment again. */
@Module({})
export class ConfigModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return { module: ConfigModule, global: true, providers: [{ provide: ApiConfig, useValue: config }], exports: [ApiConfig] };
  }
}
