import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * How log lines are written. `json`: one JSON object a line, for log collectors; `pretty`: a
 * readable line with its time, level and message, for a person at a terminal; `auto`: pretty
 * when the stream is a terminal, JSON otherwise (piped into a file, a container's log driver).
 */
export const logFormats = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof logFormats)[number];

/** Logs on stdout (or stderr for the CLI); every request's lines carry its request_id. */
export function createLogger(level: string, name = 'openbos', fd: 1 | 2 = 1, format: LogFormat = 'json'): Logger {
  const options = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    redact: { paths: ['req.headers.authorization', '*.password', '*.secret'], censor: '[redacted]' },
  };
  return pino(options, destination(fd, resolveLogFormat(format, fd)));
}

/** `auto` decided for a stream: pretty only when a person is watching it. */
export function resolveLogFormat(format: LogFormat, fd: 1 | 2): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  const stream = fd === 1 ? process.stdout : process.stderr;
  return stream.isTTY ? 'pretty' : 'json';
}

function destination(fd: 1 | 2, format: 'json' | 'pretty'): DestinationStream {
  if (format === 'json') return pino.destination({ fd, sync: fd === 2 });
  // Formatted in this thread (no transport worker), synchronously, so a crash's last line
  // reaches the terminal. The pid and the logger's name add nothing for one person watching one
  // process; the request and component fields stay, on the lines below the message. Colours
  // only on a terminal: asked for in a file, they would be escape codes.
  const colorize = (fd === 1 ? process.stdout : process.stderr).isTTY;
  return PinoPretty({ destination: fd, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });
}

export type { Logger };
