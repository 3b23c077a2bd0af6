import type { TaskRef } from '../tasks/task.js';
import type { LoadTask } from './pool-messages.js';

/** Where a far side hears its caller: a child process (`process`) or a worker thread's port. */
interface MessageChannel {
  on(event: 'message', listener: (msg: LoadTask) => void): unknown;
  off(event: 'message', listener: (msg: LoadTask) => void): unknown;
}

/** The task of a far side started before its run knew it (an early worker): the first `load` message names it. */
export function loadMessage(channel: MessageChannel): Promise<TaskRef> {
  return new Promise<TaskRef>((resolve) => {
    const onLoad = (msg: LoadTask): void => {
      if (msg.type !== 'load') return;
      channel.off('message', onLoad);
      resolve(msg.ref);
    };
    channel.on('message', onLoad);
  });
}
