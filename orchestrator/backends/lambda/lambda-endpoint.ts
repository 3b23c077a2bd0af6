import { inputError } from '../../errors.js';
import { redactUrl } from '../../redact-url.js';

/** The endpoint value that means "start serverless-offline for the run and stop it after". */
export const AUTO_ENDPOINT = 'auto';

/**
 * Checks a Lambda endpoint: an http(s) URL, or {@link AUTO_ENDPOINT}. One check for the CLI flag and the backend
 * option; `name` is how the error names the setting. A light module, so the CLI can use it without loading the SDK.
 */
export function checkLambdaEndpoint(value: string, name: string): void {
  if (value === AUTO_ENDPOINT) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw inputError(`Expected \`${name}\` to be an http(s) URL or \`auto\`, got \`${redactUrl(value)}\``);
  }
}
