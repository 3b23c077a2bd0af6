/**
 * The one JSON rule for partials. A partial crosses a thread (structured clone), a process (JSON over IPC) or the
 * network (JSON), and each of those treats a Date, a Map, `undefined` or a cycle differently: a Date stays a Date in a
 * thread and becomes a string over Lambda, a Map clones in a thread and becomes `{}` in JSON. So every far side checks
 * the partial against plain JSON before sending it, and a value outside it fails the batch the same way everywhere.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function child(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function kindOf(value: object): string {
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor ? `a ${ctor}` : 'an object with a custom prototype';
}

/**
 * Where `value` leaves plain JSON, as `partial.items[3].when is a Date`; undefined when it is plain JSON (null,
 * booleans, finite numbers, strings, arrays without holes, objects whose prototype is Object.prototype or null).
 */
export function nonJsonPath(value: unknown, path = 'partial'): string | undefined {
  return walk(value, path, new Map());
}

function walk(value: unknown, path: string, ancestors: Map<object, string>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}`;
    case 'undefined':
      return `${path} is undefined`;
    case 'bigint':
      return `${path} is a BigInt`;
    case 'function':
      return `${path} is a function`;
    case 'symbol':
      return `${path} is a symbol`;
  }
  if (value === null) return undefined;
  const obj = value as object;
  const seenAt = ancestors.get(obj);
  if (seenAt !== undefined) return `${path} is a cycle (it is ${seenAt} again)`;
  ancestors.set(obj, path);
  try {
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const why = i in obj ? walk(obj[i], `${path}[${i}]`, ancestors) : `${path}[${i}] is a hole`;
        if (why) return why;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) return `${path} is ${kindOf(obj)}`;
    for (const key of Object.keys(obj)) {
      const why = walk((obj as Record<string, unknown>)[key], child(path, key), ancestors);
      if (why) return why;
    }
    return undefined;
  } finally {
    ancestors.delete(obj);
  }
}
