import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Licence texts shipped by every Debian/Ubuntu system: real prose for the demo, with no network. */
export const DEBIAN_LICENSES = '/usr/share/common-licenses';

/** Words the generated documents are made of (a Zipf-like mix: early words come up more often). */
const VOCAB = (
  'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her she there been one all we their has would when if so no will more can out up about into them some ' +
  'could time these two may then do first any my now such like our over man me even most made after also did many ' +
  'before must through back years where much your way well down should because each just those people how too ' +
  'little state good very make world still own see men work long get here between both life being under never day'
).split(' ');

/**
 * Writes `count` deterministic text documents of about `words` words each into `dir` (created if needed) and returns
 * the folder. The same arguments always give the same bytes, so benchmarks and tests have a fixed reference.
 */
export function generateDocs(dir: string, count: number, words = 2000, seed = 1): string {
  mkdirSync(dir, { recursive: true });
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let d = 0; d < count; d++) {
    const out: string[] = [];
    for (let w = 0; w < words; w++) {
      const word = VOCAB[Math.floor(VOCAB.length * rand() ** 2)] as string;
      out.push(w % 12 === 0 ? word[0]?.toUpperCase() + word.slice(1) : word);
      if (w % 12 === 11) out.push('.\n');
    }
    writeFileSync(join(dir, `doc-${String(d).padStart(5, '0')}.txt`), out.join(' '));
  }
  return dir;
}

/** A folder of demo texts: the system's licence texts when present, else generated ones in a temp folder. */
export function demoDocsDir(): string {
  if (existsSync(DEBIAN_LICENSES) && readdirSync(DEBIAN_LICENSES).length > 0) return DEBIAN_LICENSES;
  const dir = join(tmpdir(), 'fanout-demo-docs');
  return existsSync(dir) ? dir : generateDocs(dir, 40);
}
