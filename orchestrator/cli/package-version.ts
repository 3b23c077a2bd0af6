import { fanoutPackage } from '../project/service-dir.js';

/**
 * fanout's version, read at run time from its package.json (see {@link fanoutPackage}), so the version printed is the
 * one installed; `unknown` when there is none above `from`.
 */
export function packageVersion(from?: string): string {
  try {
    const { version } = fanoutPackage(from).json;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
