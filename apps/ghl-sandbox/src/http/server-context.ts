import type { Socket } from 'node:net';
import type { SandboxState } from '../sandbox-state.js';

/** What the routes share: the state plus held (hung) sockets so `close()` can release them. */
export interface ServerContext {
  state: SandboxState;
  /** Sockets held open by the `hangRate` knob, with their release timers. */
  hangs: Set<{ timer: NodeJS.Timeout; socket: Socket }>;
}
