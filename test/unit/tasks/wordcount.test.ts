import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFanoutError } from '../../../orchestrator/errors.js';
import { splitText, topWords, WordTally } from '../../../orchestrator/tasks/word-counts.js';
import { wordcount } from '../../../orchestrator/tasks/wordcount.js';

/** Reference: the definition, written the obvious way. */
function reference(texts: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of texts)
    for (const w of t.match(/[A-Za-z]+/g) ?? []) m.set(w.toLowerCase(), (m.get(w.toLowerCase()) ?? 0) + 1);
  return m;
}

const docs = (texts: string[]) => ({ docs: texts.map((text, i) => ({ url: `http://h/${i}`, text })) });

describe('wordcount map/merge/finalize', () => {
  it('counts maximal ASCII letter runs, lowercased; non-ASCII letters and digits split words', () => {
    // Prepare
    const tally = new WordTally();
    // Act
    const n = tally.count("Don't stop: naïve CONSTRUCTOR constructor x2y __proto__");
    // Assess
    expect(n).toBe(10);
    expect(tally.toRecord()).toEqual({
      don: 1,
      t: 1,
      stop: 1,
      na: 1,
      ve: 1,
      constructor: 2,
      x: 1,
      y: 1,
      proto: 1,
    });
  });

  it('the tally counts what the regex definition counts, across many texts and thousands of distinct words', () => {
    // Letters of both cases, a few separators and non-ASCII letters whose lowercase is ASCII-like (İ, K): words of
    // 1–6 letters, so the table grows and hashes collide.
    const char = fc.constantFrom(...'aAbBcCzZ', ' ', '-', '9', 'İ', '\u212a', 'é');
    fc.assert(
      fc.property(fc.array(fc.string({ unit: char, maxLength: 400 }), { maxLength: 8 }), (texts) => {
        const tally = new WordTally();
        const n = texts.reduce((sum, t) => sum + tally.count(t), 0);
        const ref = reference(texts);
        expect(new Map(Object.entries(tally.toRecord()))).toEqual(ref);
        expect(n).toBe([...ref.values()].reduce((a, b) => a + b, 0));
      }),
    );
    const many = new WordTally();
    const words = Array.from({ length: 5000 }, (_, i) =>
      i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)] as string),
    );
    many.count(`${words.join(' ')} ${words.join(',').toUpperCase()}`);
    const record = many.toRecord();
    expect(Object.keys(record)).toHaveLength(new Set(words).size);
    expect(Object.values(record).every((c) => c === 2)).toBe(true);
  });

  it('top K sorts by count desc, then word asc', () => {
    const m = new Map([
      ['b', 2],
      ['a', 2],
      ['c', 3],
      ['d', 1],
    ]);
    expect(topWords(m, 3)).toEqual([
      { word: 'c', count: 3 },
      { word: 'a', count: 2 },
      { word: 'b', count: 2 },
    ]);
  });

  it('any partition of the documents into batches, merged in any order, gives the reference result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        (texts, size) => {
          // Prepare
          const batches = [];
          for (let i = 0; i < texts.length; i += size) batches.push(docs(texts.slice(i, i + size)));
          // Act: map each batch, JSON round-trip (it crosses processes), merge in reverse order
          const partials = batches.map((b) =>
            JSON.parse(JSON.stringify(wordcount.map(b, { signal: new AbortController().signal }))),
          );
          let acc = wordcount.init();
          for (const p of partials.reverse()) acc = wordcount.merge(acc, p) as typeof acc; // a synchronous merge
          const result = wordcount.finalize?.(acc, { urls: 'x', top: 5 }) as {
            totalWords: number;
            distinctWords: number;
          };
          // Assess
          const ref = reference(texts);
          expect(result.distinctWords).toBe(ref.size);
          expect(result.totalWords).toBe([...ref.values()].reduce((a, b) => a + b, 0));
          expect(result).toMatchObject({ top: topWords(ref, 5) });
        },
      ),
    );
  });

  it('subdivide keeps the counts: by documents, or a single document cut between words', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 2, maxLength: 200 }), (text) => {
        const halves = splitText(text);
        if (!halves) return;
        expect(halves.join('')).toBe(text);
        expect(reference(halves)).toEqual(reference([text]));
      }),
    );
    const parts = wordcount.subdivide?.(docs(['alpha beta', 'gamma'])) ?? [];
    expect(parts.map((p) => p.docs.length)).toEqual([1, 1]);
    expect(wordcount.subdivide?.(docs(['onegiantword']))).toEqual([]);
  });

  it('bad input is EINPUT naming the option', async () => {
    const gen = wordcount.split({ urls: 'list.txt', top: 0 }, { batchSize: undefined, workers: 1 }) as AsyncGenerator;
    const err = await gen.next().catch((e: unknown) => e);
    expect(isFanoutError(err, 'EINPUT')).toBe(true);
    expect((err as Error).message).toBe('Expected `top` to be a positive integer, got `0`');
  });
});
