import { inputError } from '../errors.js';
import { type FanoutOptions, resolvePoolOptions } from '../options.js';
import { BACKEND_NAMES, type Backend, type BackendName } from './backend.js';
import { InlineBackend } from './inline/inline-backend.js';

/** Checks a backend name from the CLI or the API. */
export function parseBackendName(value: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw inputError(`Unknown backend \`${value}\`; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  return value as BackendName;
}

/**
 * Makes the backend `name` from run options. Heavy backends are imported lazily, so `fanout run --backend inline`
 * does not load the AWS SDK.
 */
export async function createBackend(name: BackendName, options: FanoutOptions = {}): Promise<Backend> {
  const { workers } = resolvePoolOptions(options);
  switch (name) {
    case 'inline':
      return new InlineBackend(workers);
    case 'thread': {
      const { ThreadBackend } = await import('./thread/thread-backend.js');
      return new ThreadBackend({ workers, ...queueDepthOf(options) });
    }
    case 'process': {
      const { ProcessBackend } = await import('./process/process-backend.js');
      return new ProcessBackend({ workers, ...queueDepthOf(options) });
    }
    case 'lambda': {
      const { LambdaBackend } = await import('./lambda/lambda-backend.js');
      return new LambdaBackend(options.lambda ?? {});
    }
    case 'hybrid': {
      const { HybridBackend } = await import('./hybrid/hybrid-backend.js');
      return new HybridBackend({ workers, lambda: options.lambda ?? {} });
    }
  }
}

function queueDepthOf(options: FanoutOptions): { queueDepth?: number } {
  return options.queueDepth === undefined ? {} : { queueDepth: options.queueDepth };
}
