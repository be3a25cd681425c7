/**
 * The process's structured log (issue: operations): JSON lines by pino, one logger per process, built
 * here in the wiring. HTTP requests log through Fastify's child loggers (request id, order id: see
 * http/app.ts); jobs log through the wrapper below, so the queue itself knows nothing of logging.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { HandlerOptions, Job, JobHandler } from '../jobs/queue.js';

export type { Logger } from 'pino';

/** A JSON-lines logger on stdout, or on `destination` (tests read it back). */
export function createLogger(destination?: DestinationStream): Logger {
  return destination === undefined ? pino() : pino({}, destination);
}

/** A logger that writes nothing: for platforms built without one (tests, one-off commands). */
export const silentLogger: Logger = pino({ enabled: false });

/** The order a job works on, from its payload (`orderId`, or a supplier event's `orderId`). */
function orderIdOf(payload: Record<string, unknown>): string | undefined {
  if (typeof payload.orderId === 'string') return payload.orderId;
  const event = payload.event as Record<string, unknown> | undefined;
  return typeof event?.orderId === 'string' ? event.orderId : undefined;
}

/** Runs `handler` with a line at its start, its end and its failure, each with the job's id, name, attempt and order. */
export function loggedJob(log: Logger, handler: JobHandler): JobHandler {
  return async (job: Job) => {
    const orderId = orderIdOf(job.payload);
    const jobLog = log.child({ jobId: job.id, job: job.name, attempt: job.attempt, ...(orderId !== undefined && { orderId }) });
    const started = performance.now();
    jobLog.info('job started');
    try {
      await handler(job);
    } catch (error) {
      // The queue decides between a retry and the dead letters; the last attempt is worth an error.
      const level = job.attempt >= job.maxAttempts ? 'error' : 'warn';
      jobLog[level]({ err: error, durationMs: Math.round(performance.now() - started), maxAttempts: job.maxAttempts }, 'job failed');
      throw error;
    }
    jobLog.info({ durationMs: Math.round(performance.now() - started) }, 'job finished');
  };
}

/** Something jobs are registered with (the runner); every handler registered through the result is logged. */
interface Registry {
  register(name: string, handler: JobHandler, options?: HandlerOptions): unknown;
}

/** `registry` with every handler wrapped by `loggedJob`; `register` chains like the runner's. */
export function withJobLogging(registry: Registry, log: Logger) {
  const logged = {
    register(name: string, handler: JobHandler, options?: HandlerOptions) {
      registry.register(name, loggedJob(log, handler), options);
      return logged;
    },
  };
  return logged;
}
