/** Far side of the raw IPC baseline in bench/dispatch.ts: answers every message at once, nothing else. */
process.on('message', (msg: { i: number }) => {
  process.send?.({ i: msg.i, r: 1 });
});
