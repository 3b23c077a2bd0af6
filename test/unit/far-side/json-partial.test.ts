import { describe, expect, it } from 'vitest';
import { nonJsonPath } from '../../../orchestrator/far-side/json-partial.js';

describe('nonJsonPath: the one JSON rule for partials', () => {
  it('accepts plain JSON, null-prototype objects and a value shared by two branches (not a cycle)', () => {
    // Prepare
    const shared = { a: 1 };
    const bare = Object.assign(Object.create(null) as object, { k: 'v' });
    // Act + Assess
    expect(
      nonJsonPath({ n: 1, s: 'x', b: true, z: null, list: [1, [2]], shared, again: shared, bare }),
    ).toBeUndefined();
    expect(nonJsonPath(0)).toBeUndefined();
  });

  it.each([
    [{ s: new Set([1]) }, 'partial.s is a Set'],
    [{ when: new Date(0) }, 'partial.when is a Date'],
    [{ p: new (class Point {})() }, 'partial.p is a Point'],
    [{ 'odd key': undefined }, 'partial["odd key"] is undefined'],
    [new Array(2), 'partial[0] is a hole'],
    [{ x: -Infinity }, 'partial.x is -Infinity'],
    [undefined, 'partial is undefined'],
    [{ sym: Symbol('s') }, 'partial.sym is a symbol'],
  ])('names where %o leaves JSON', (value, why) => {
    // Act + Assess
    expect(nonJsonPath(value)).toBe(why);
  });
});
