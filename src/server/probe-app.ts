// The plain-HTTP side: liveness, readiness and (once wired) Prometheus metrics. Kept off the
// admission port so probes and scrapes need no client certificate trust and never queue
// behind reviews.
import fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export type Readiness = { ready: boolean; notReady: string[] };

export type ProbeOptions = {
  logger: Logger;
  /** Everything that must hold before the webhook may receive traffic. */
  readiness: () => Readiness;
  metrics?: { contentType: string; render: () => Promise<string> };
};

export const buildProbeApp = (options: ProbeOptions): FastifyInstance => {
  const app = fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, notReady } = options.readiness();
    return reply.code(ready ? 200 : 503).send(ready ? { status: 'ready' } : { status: 'not ready', notReady });
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  }
  return app;
};
