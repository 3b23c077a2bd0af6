// The offload bench's task: batch i carries `mb` MB of one string (made once per process and shared, so the split
// costs nothing); map answers with the string's length, or, with `echo`, the whole string back (a partial as large as
// the batch). Trivial work: what is measured is moving the bytes.
import { defineTask } from 'fanout';

interface Input {
  batches: number;
  mb: number;
  echo?: boolean;
}
interface Batch {
  i: number;
  blob: string;
  echo: boolean;
}
interface Partial {
  chars: number;
  echo?: string;
}

let shared: string | undefined;

export default defineTask<Input, Batch, Partial, { batches: number; chars: number }>({
  name: 'bench-blob-echo',
  *split({ batches, mb, echo = false }) {
    const n = Math.round(mb * 1024 * 1024);
    if (shared?.length !== n) shared = 'x'.repeat(n);
    for (let i = 0; i < batches; i++) yield { i, blob: shared, echo };
  },
  map: ({ blob, echo }) => (echo ? { chars: blob.length, echo: blob } : { chars: blob.length }),
  init: () => ({ batches: 0, chars: 0 }),
  merge: (acc, p) => ({ batches: acc.batches + 1, chars: acc.chars + p.chars + (p.echo?.length ?? 0) }),
});
