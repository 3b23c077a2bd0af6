import { existsSync, readFileSync } from 'node:fs';
import { inputError } from '../errors.js';

/** CPU architecture of a Lambda function, as priced. */
export type LambdaArchitecture = 'arm64' | 'x86_64';

/** Lambda prices in us-east-1 (on-demand, per the AWS price list; checked when the model was written). */
export const LAMBDA_PRICES = {
  /** USD per request. */
  requestUsd: 0.2 / 1_000_000,
  /** USD per GB-second, by architecture. */
  gbSecondUsd: { x86_64: 0.0000166667, arm64: 0.0000133334 } as Record<LambdaArchitecture, number>,
} as const;

/** Lambda's monthly free tier (per account, shared by every function): requests and GB-seconds. */
export const LAMBDA_FREE_TIER = { requests: 1_000_000, gbSeconds: 400_000 } as const;

/** Lambda's metering of one invocation (counted by the stats collector, priced here). */
export { billedInvocationMs } from '../stats-collector.js';

/** Memory and architecture the cost model prices a function at, and where they came from. */
export interface LambdaPricing {
  memoryMb: number;
  architecture: LambdaArchitecture;
  /** Where the values came from: `options`, `serverless.yml`, both (`options, serverless.yml`) or `default`. */
  source: string;
}

/** Fallbacks when neither options nor serverless.yml say: the serverless.yml defaults of this repo. */
const DEFAULT_PRICING: LambdaPricing = { memoryMb: 1024, architecture: 'arm64', source: 'default' };

/**
 * Memory and architecture for the cost estimate: explicit options win, then serverless.yml (`functions.worker`, then
 * `provider`, resolving `${param:x, fallback}` through `params.default`), then 1024 MB arm64.
 */
export function resolveLambdaPricing(
  options: { memoryMb?: number | undefined; architecture?: string | undefined } = {},
  serverlessYml = 'serverless.yml',
): LambdaPricing {
  const fromFile = existsSync(serverlessYml) ? pricingFromServerlessYml(readFileSync(serverlessYml, 'utf8')) : {};
  const memoryMb = options.memoryMb ?? fromFile.memoryMb;
  const architecture = options.architecture ?? fromFile.architecture;
  if (memoryMb !== undefined && (!Number.isSafeInteger(memoryMb) || memoryMb < 128 || memoryMb > 10_240)) {
    throw inputError(`Expected \`memory\` to be an integer from 128 to 10240 (MB), got \`${memoryMb}\``);
  }
  if (architecture !== undefined && architecture !== 'arm64' && architecture !== 'x86_64') {
    throw inputError(`Expected \`architecture\` to be arm64 or x86_64, got \`${architecture}\``);
  }
  const from = (opt: unknown, file: unknown): string =>
    opt !== undefined ? 'options' : file !== undefined ? 'serverless.yml' : 'default';
  const source = [
    ...new Set([from(options.memoryMb, fromFile.memoryMb), from(options.architecture, fromFile.architecture)]),
  ]
    .filter((s, _, all) => s !== 'default' || all.length === 1)
    .join(', ');
  return {
    memoryMb: memoryMb ?? DEFAULT_PRICING.memoryMb,
    architecture: (architecture as LambdaArchitecture | undefined) ?? DEFAULT_PRICING.architecture,
    source,
  };
}

/** Reads `memorySize` and `architecture` from serverless.yml text; absent or unresolvable values are left out. */
export function pricingFromServerlessYml(text: string): { memoryMb?: number; architecture?: string } {
  const scalars = yamlScalars(text);
  const resolve = (raw: string | undefined): string | undefined => {
    if (raw === undefined) return undefined;
    const m = /^\$\{param:([\w-]+)(?:\s*,\s*['"]?([^'"}]+)['"]?)?\}$/.exec(raw);
    if (!m) return raw.startsWith('${') ? undefined : raw;
    return scalars.get(`params.default.${m[1]}`) ?? m[2]?.trim();
  };
  const memory = resolve(scalars.get('functions.worker.memorySize') ?? scalars.get('provider.memorySize'));
  const arch = resolve(scalars.get('functions.worker.architecture') ?? scalars.get('provider.architecture'));
  const out: { memoryMb?: number; architecture?: string } = {};
  if (memory !== undefined && /^\d+$/.test(memory)) out.memoryMb = Number(memory);
  if (arch !== undefined) out.architecture = arch;
  return out;
}

/**
 * The `key: scalar` lines of a YAML document by dotted path (`provider.memorySize` → `1024`). Enough for the few keys
 * the cost model reads, without a YAML dependency; lists, anchors and multi-line values are skipped.
 */
export function yamlScalars(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const stack: { indent: number; key: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^( *)([\w.-]+)\s*:(?:\s+(.*?))?\s*$/.exec(line.replace(/\s+#.*$/, ''));
    if (!m) continue;
    const indent = (m[1] ?? '').length;
    while (stack.length > 0 && (stack.at(-1) as { indent: number }).indent >= indent) stack.pop();
    const path = [...stack.map((s) => s.key), m[2]].join('.');
    const value = m[3];
    if (value === undefined || value === '') stack.push({ indent, key: m[2] as string });
    else out.set(path, value.replace(/^(['"])(.*)\1$/, '$2'));
  }
  return out;
}
