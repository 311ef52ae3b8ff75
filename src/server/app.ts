// buildApp(): the admission server as a Fastify instance. It does not listen: the CLI does,
// and tests use app.inject() (fastify/demo's factory + inject).
import type { ServerOptions } from 'node:https';
import fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { PolicyDecision } from '../admission/complete.ts';
import type { ClusterView } from '../cluster/view.ts';
import type { SecretWriter } from '../cluster/writer.ts';
import type { Policy } from '../policies/types.ts';
import type { BreakGlassRecorder } from './break-glass-record.ts';
import { handleReview, type Endpoint } from './review-handler.ts';
import { unredacted } from './logger.ts';
import { KEEP_ALIVE_TIMEOUT_MS, MAX_REVIEW_BYTES, REQUEST_TIMEOUT_MS } from './limits.ts';

export type DecisionRecorder = (decision: PolicyDecision & { operation: string; kind: string }) => void;

export type AppOptions = {
  policies: Policy[];
  view: ClusterView;
  writer?: SecretWriter;
  logger: Logger;
  /** Metrics hook: called once per policy decision. */
  recordDecision?: DecisionRecorder;
  /** Called for each break glass that took effect in an admitted request that is not a dry run. */
  recordBreakGlass?: BreakGlassRecorder;
  /** One deadline per review (serve --request-timeout); default DEFAULT_REVIEW_DEADLINE_MS. */
  reviewDeadlineMs?: number;
  /** Node https.createServer options (key, cert, minVersion...); absent = plain HTTP (tests). */
  https?: ServerOptions;
};

/** Client mistakes are 400 with the reason: an oversized or non-JSON body is not a crash. */
const clientErrorReason = (error: FastifyError): string => {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `malformed AdmissionReview: body is larger than ${MAX_REVIEW_BYTES} bytes`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'malformed AdmissionReview: content-type must be application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'malformed AdmissionReview: body is empty';
    default:
      return `malformed AdmissionReview: body is not valid JSON (${error.message})`;
  }
};

const onError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    void reply.code(400).send({ error: 'Bad Request', message: clientErrorReason(error) });
    return;
  }
  request.log.error({ err: { message: error.message, code: error.code } }, 'unhandled server error');
  void reply.code(500).send({ error: 'Internal Server Error', message: 'internal error' });
};

export const buildApp = (options: AppOptions): FastifyInstance => {
  const app = fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_REVIEW_BYTES,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Closing answers reviews still arriving on kept-alive connections (fastify adds `Connection:
    // close`): client-go retries a POST only on a 5xx with Retry-After, so a bare 503 failed admission.
    return503OnClosing: false,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  app.setErrorHandler(onError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: 'Not Found',
      message: `no route ${request.method} ${request.url}; admission endpoints are POST /validate[/<policy>] and POST /mutate[/<policy>]`,
    });
  });
  const endpoints: Endpoint[] = ['validate', 'mutate'];
  const decisionLog = unredacted(options.logger);
  for (const endpoint of endpoints) {
    app.post(`/${endpoint}`, (request, reply) => handleReview(request, reply, { ...options, endpoint, decisionLog }));
    app.post<{ Params: { policy: string } }>(`/${endpoint}/:policy`, (request, reply) =>
      handleReview(request, reply, { ...options, endpoint, decisionLog, policyId: request.params.policy }),
    );
  }
  return app;
};
