/**
 * The script a user would write instead of `fanout run wordcount`: undici + p-limit at 64, the same word rule
 * (/[A-Za-z]+/, lowercased), the same answer. `node plain-wordcount.js <url list file>` prints the result as JSON.
 */
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';

const urls = readFileSync(process.argv[2] as string, 'utf8')
  .split('\n')
  .filter(Boolean);
const agent = new Agent({ connections: 64 });
const limit = pLimit(64);
const counts = new Map<string, number>();
let totalWords = 0;
await Promise.all(
  urls.map((u) =>
    limit(async () => {
      const text = await (await request(u, { dispatcher: agent })).body.text();
      for (const m of text.matchAll(/[A-Za-z]+/g)) {
        const w = m[0].toLowerCase();
        counts.set(w, (counts.get(w) ?? 0) + 1);
        totalWords++;
      }
    }),
  ),
);
const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
console.log(
  JSON.stringify({ totalWords, distinctWords: counts.size, top: top.map(([word, count]) => ({ word, count })) }),
);
await agent.close();
