// JSON logs (pino). Secret data never reaches a log line: the redact list is a second fence
// behind code that never logs objects whole.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const createLogger = (level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger =>
  pino(
    {
      level,
      base: { name: 'certguard' },
      redact: { paths: ['*.data', '*.stringData', '*.*.data', 'object.data', 'secret.data'], censor: '[redacted]' },
    },
    destination as never,
  );

/**
 * For the one line per review (review-handler.ts logDecision): built only from the request's
 * names and certguard's own strings, never an object from the request, so it skips the redact
 * fence, which cost more than the rest of the line (bench/README.md).
 */
export const unredacted = (logger: Logger): Logger => logger.child({}, { redact: [] });
