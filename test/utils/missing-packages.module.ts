import { type DynamicModule, Module } from '@nestjs/common';
import {
  loadOptionalPackage,
  OPTIONAL_PACKAGE_LOADER,
  type OptionalPackage,
} from '../../lib/shared/optional-package';

@Module({})
class MissingPackagesModule {}

/**
 * A global module that makes the signals see `names` as not installed (every other package
 * loads as usual): how a test runs the "optional peer missing" path without touching `require`.
 */
export function missingPackages(...names: string[]): DynamicModule {
  return {
    module: MissingPackagesModule,
    global: true,
    providers: [
      {
        provide: OPTIONAL_PACKAGE_LOADER,
        useValue: <T>(name: string): OptionalPackage<T> =>
          names.includes(name) ? { status: 'missing' } : loadOptionalPackage<T>(name),
      },
    ],
    exports: [OPTIONAL_PACKAGE_LOADER],
  };
}
