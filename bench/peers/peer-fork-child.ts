/**
 * Child for the raw `child_process.fork` + IPC baseline: answers each `{ id, m }` with `{ id, r }`, nothing else —
 * the floor any process pool's per-message cost is measured against.
 */
import { type PeerMessage, runPeerMessage } from './peer-work.js';

process.on('message', (msg: { id: number; m: PeerMessage }) => {
  process.send?.({ id: msg.id, r: runPeerMessage(msg.m) });
});
process.send?.({ ready: true });
