/**
 * Lets subclass fields be declared the usual TypeScript way (`readonly sku!: string`) under
 * `useDefineForClassFields` (the default from target ES2022), where each field is defined on
 * the instance right after the base constructor returns — over the value that constructor
 * copied from the props.
 *
 * The first instance of each message class is returned behind a Proxy that watches for those
 * definitions (and for fields assigned after `super()`). A class without any has its instances
 * frozen from the second on (no Proxy, see message-fields.ts); a class with them keeps the
 * guard, which lets a given prop win over its field's declaration, defines a declared field
 * that was not given as read-only, and refuses any later redefinition or deletion (a
 * `TypeError` in strict mode).
 */
/** A class known to define no fields of its own: its instances are frozen, not guarded. */
export interface PlainClass {
  /** The prop keys of its last construction, each checked against the class's members. */
  checkedKeys: readonly string[] | undefined;
}

const shapes = new WeakMap<object, PlainClass | 'class-fields'>();

/** Whether instances of `type` need their properties configurable for the guard. */
export function needsClassFieldGuard(type: object): boolean {
  return typeof shapes.get(type) !== 'object';
}

/** `type`, once known to define no fields of its own; undefined before and otherwise. */
export function plainClass(type: object): PlainClass | undefined {
  const shape = shapes.get(type);
  return typeof shape === 'object' ? shape : undefined;
}

/** Keeps `type`'s instances behind the guard, whatever its first instance shows. */
export function keepClassFieldGuard(type: object): void {
  shapes.set(type, 'class-fields');
}

/** `message`, or a guard around it while its class may define fields of its own. */
export function guardClassFields<T extends object>(message: T, type: object): T {
  const shape = shapes.get(type);
  if (typeof shape === 'object') return message;
  // Until one of its instances shows a field definition, the class is taken to have none.
  if (shape === undefined) shapes.set(type, { checkedKeys: undefined });
  return new Proxy(message, {
    defineProperty(target, key, descriptor) {
      const own = Object.prototype.hasOwnProperty.call(target, key);
      if (isFieldDefinition(descriptor)) {
        shapes.set(type, 'class-fields');
        if (own) return true;
        return Reflect.defineProperty(target, key, {
          value: descriptor.value,
          enumerable: true,
          writable: false,
          configurable: true,
        });
      }
      // New keys (@nestjs/cqrs's AsyncContext symbol) are welcome; a field's value is fixed,
      // though it may be made stricter still (`Object.freeze`).
      if (!own) return Reflect.defineProperty(target, key, descriptor);
      return tightensOnly(Reflect.getOwnPropertyDescriptor(target, key)!, descriptor)
        ? Reflect.defineProperty(target, key, descriptor)
        : false;
    },
    deleteProperty(target, key) {
      return !Object.prototype.hasOwnProperty.call(target, key);
    },
  });
}

/** Whether `next` keeps the field's value and makes it no more writable or configurable. */
function tightensOnly(current: PropertyDescriptor, next: PropertyDescriptor): boolean {
  if ('get' in next || 'set' in next || next.writable === true) return false;
  if ('value' in next && !Object.is(next.value, current.value)) return false;
  return next.enumerable === undefined || next.enumerable === current.enumerable;
}

/** What `[[DefineOwnProperty]]` receives from a class field (or an assignment of a new key). */
function isFieldDefinition(descriptor: PropertyDescriptor): boolean {
  return (
    'value' in descriptor &&
    descriptor.writable === true &&
    descriptor.enumerable === true &&
    descriptor.configurable === true
  );
}
