/** Worker-thread entry for piscina and tinypool: both call the default export with the task's argument. */
import { type PeerMessage, type PeerReply, runPeerMessage } from './peer-work.js';

/** Runs one peer message in the worker thread. */
export default function run(m: PeerMessage): PeerReply {
  return runPeerMessage(m);
}
