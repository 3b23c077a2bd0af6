/**
 * The functions module faast.js's local provider runs. faast.js finds a module's file through `require.cache`, so this
 * one is CommonJS; it loads the ESM peer work once, on the first call, and every call after awaits the cached module.
 */
import type { PeerMessage, PeerReply } from './peer-work.js';

type PeerWork = { runPeerMessage(m: PeerMessage): PeerReply };
let work: Promise<PeerWork> | undefined;

/** Runs one peer message (same code as every other peer). */
export async function run(m: PeerMessage): Promise<PeerReply> {
  work ??= import('./peer-work.js') as Promise<PeerWork>;
  return (await work).runPeerMessage(m);
}
