import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CqrsObservabilityModuleOptions } from './options';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: RAW_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CqrsObservabilityModuleOptions>({
  moduleName: 'CqrsObservability',
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createCqrsObservabilityOptions')
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();
