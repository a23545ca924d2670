import { pino, type Logger } from 'pino';

/** Structured JSON logs on stdout; every request's lines carry its request_id. */
export function createLogger(level: string, name = 'openbos', fd: 1 | 2 = 1): Logger {
  return pino(
    {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    redact: { paths: ['req.headers.authorization', '*.password', '*.secret'], censor: '[redacted]' },
    },
    pino.destination({ fd, sync: fd === 2 }),
  );
}

export type { Logger };
