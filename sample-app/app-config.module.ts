import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './app.config';

/** Makes the AppConfig injectable everywhere, as `@nestjs/config`'s ConfigModule would. */
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
