/** Child-process entry for workerpool (`workerType: 'process'`): registers the one method the benchmark calls. */
import workerpool from 'workerpool';
import { runPeerMessage } from './peer-work.js';

workerpool.worker({ run: runPeerMessage });
