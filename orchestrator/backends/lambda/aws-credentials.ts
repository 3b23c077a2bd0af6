import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * True when an AWS credential source is configured: env keys, a profile, web identity, container credentials, or a
 * shared credentials/config file. Kept free of SDK imports so the CLI can decide cheaply whether "no endpoint" means
 * real AWS or the local emulator.
 */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env, home = homedir()): boolean {
  if (hasAwsCredentialsInEnv(env)) return true;
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config');
  return existsSync(credentialsFile) || existsSync(configFile);
}

/**
 * True when `id` can be a real AWS access key id: `AKIA…` (long-term) or `ASIA…` (temporary), 16–128 characters. The
 * dummy keys used with local emulators and in tests (`x`, `local`, `test`) are not, so they never send a run to AWS.
 */
export function looksLikeAwsAccessKeyId(id: string): boolean {
  return /^(AKIA|ASIA)[A-Z0-9]{12,124}$/.test(id);
}

/** True when credentials come from the environment itself (real-looking keys, profile, web identity, container). */
export function hasAwsCredentialsInEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && looksLikeAwsAccessKeyId(env.AWS_ACCESS_KEY_ID)) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
}
