import { execFileSync } from 'node:child_process';

/**
 * The default pool size of a compiled backend (`dist/…/<file>`, class `<name>`) in a fresh node pinned by `taskset` to
 * the first `cpus` cores, or unpinned when `cpus` is undefined. Independent of the code under test: the expected
 * value comes from the pinning (or from `nproc`), never from the same `availableParallelism()` call the code makes.
 */
export function defaultCapacityOn(cpus: number | undefined, file: string, name: string): number {
  const url = new URL(`../../dist/orchestrator/backends/${file}`, import.meta.url).href;
  const code = `import(${JSON.stringify(url)}).then((m) => console.log(new m.${name}().parallelism()))`;
  const node = [process.execPath, '--input-type=module', '-e', code];
  const argv = cpus === undefined ? node : ['taskset', '-c', `0-${cpus - 1}`, ...node];
  return Number(execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' }).trim());
}

/** Cores this process may run on, as the OS tool reports them. */
export function nproc(): number {
  return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
}
