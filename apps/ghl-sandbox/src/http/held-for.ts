import type { FastifyReply } from 'fastify';
import type { ServerContext } from './server-context.js';

/**
 * Waits `ms` unless the client hangs up first (the wait is released at sandbox close).
 * @returns whether the client still listens.
 */
export function heldFor(ctx: ServerContext, reply: FastifyReply, ms: number): Promise<boolean> {
  const socket = reply.raw.socket ?? reply.request.raw.socket;
  return new Promise((resolve) => {
    const entry = {
      socket,
      timer: setTimeout(() => {
        ctx.hangs.delete(entry);
        resolve(!socket.destroyed);
      }, ms),
    };
    entry.timer.unref();
    ctx.hangs.add(entry);
    socket.once('close', () => {
      clearTimeout(entry.timer);
      ctx.hangs.delete(entry);
      resolve(false);
    });
  });
}
