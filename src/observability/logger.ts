// Structured logs. Redaction is a safety net: code must not log secrets, tokens or national
// register numbers in the first place (see src/directory/identifiers.ts for the masked form).
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'password', '*.password', 'token', '*.token', 'access_token', '*.access_token', 'refresh_token', '*.refresh_token',
  'id_token', '*.id_token', 'code', '*.code', 'client_secret', '*.client_secret', 'authorization', '*.authorization',
  'cookie', '*.cookie', 'req.headers.authorization', 'req.headers.cookie', 'masterKey', '*.masterKey',
  'nationalRegisterNumber', '*.nationalRegisterNumber', 'nrn', '*.nrn', 'privateKey', '*.privateKey',
];

export function createLogger(options: { level: string; pretty: 'auto' | 'true' | 'false'; name?: string }): Logger {
  const pretty = options.pretty === 'true' || (options.pretty === 'auto' && process.stdout.isTTY === true);
  return pino({
    name: options.name ?? 'capacity-idp',
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}

/** A logger that drops everything, for tests and CLI commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
