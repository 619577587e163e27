import { Container } from "@cdktf/provider-docker/lib/container";

/**
 * The provider's `docker_container`, whose attributes reach cdktf without the keys that are not set. The generated
 * binding returns every one of its ~90 arguments, most `undefined`; cdktf merges, converts and resolves each of them
 * twice per synth before dropping it, for ~8 containers per application and environment. Leaving them out writes
 * the same JSON (cdktf never writes an undefined value) with a fraction of that work.
 */
export class RuntimeContainer extends Container {
  protected synthesizeAttributes(): { [name: string]: unknown } {
    return withoutUndefined(super.synthesizeAttributes());
  }
}

/** A copy of `value` without the keys whose value is undefined, in plain objects at any depth (tokens stay as they are). */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) result[key] = withoutUndefined(field);
  }
  return result as T;
}
