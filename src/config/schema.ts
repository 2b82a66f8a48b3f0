// What each setting is: its type and default (the zod schema below) and, in settings-docs.ts,
// its environment variable, description and a valid example. Start-up validation and
// `capacity-idp config check` are derived from these two; the README's table mirrors them.
import { isIP } from 'node:net';
import { z } from 'zod';


const seconds = (def: number) => z.coerce.number().int().positive().default(def);
const bool = (def: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
    .transform((v) => (typeof v === 'boolean' ? v : ['true', '1', 'yes'].includes(v)))
    .default(def);

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** A list in a file, or comma-separated in an environment variable. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v),
    z.array(item),
  );

const oid = z.string().regex(/^[0-2](\.\d+)+$/, { message: 'must be a dotted OID such as 2.16.56.12.1.1.2.2' });

const ipOrCidr = z.string().refine(
  (v) => {
    const [address = '', bits, ...rest] = v.split('/');
    if (rest.length) return false;
    const version = isIP(address);
    if (!version) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return /^\d+$/.test(bits) && n >= 0 && n <= (version === 4 ? 32 : 128);
  },
  { message: 'must be IP addresses or CIDR ranges such as 10.0.0.5 or 10.0.0.0/24' },
);

/**
 * Authentication-certificate policies of the Belgian eID (docs/domain.md §1.3): citizens
 * (2.16.56.<arc>.1.1.2.2) and foreigners (2.16.56.<arc>.1.1.7.2) under each root generation's
 * arc (1, 9, 10, 12). Operators extend the list when a new card generation brings new OIDs.
 */
export const BELGIAN_EID_AUTHENTICATION_POLICIES = ['1', '9', '10', '12'].flatMap((arc) => [
  `2.16.56.${arc}.1.1.2.2`,
  `2.16.56.${arc}.1.1.7.2`,
]);

const base64Key32 = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(v), {
    message: 'must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)',
  });

// Every level is strict: a misspelt setting in a file must be refused, not silently ignored.
export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.coerce.number().int().min(0).max(65535).default(8443),
        issuer: url(['https:', 'http:']).optional(),
        tls: z
          .object({
            mode: z.enum(['self-signed', 'files', 'off']).default('self-signed'),
            certFile: z.string().optional(),
            keyFile: z.string().optional(),
          })
          .strict()
          .prefault({}),
        trustProxy: bool(false),
        shutdownGraceSeconds: seconds(10),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        databaseUrl: url(['postgres:', 'postgresql:']).optional(),
        redisUrl: url(['redis:', 'rediss:']).optional(),
        redisKeyPrefix: z.string().min(1).default('capacity-idp:'),
        dataDir: z.string().min(1).default('./data'),
        inMemory: bool(false),
      })
      .strict()
      .prefault({}),
    secrets: z
      .object({
        masterKey: base64Key32.optional(),
      })
      .strict()
      .prefault({}),
    keys: z
      .object({
        activationDelaySeconds: seconds(3600),
        refreshIntervalSeconds: seconds(30),
      })
      .strict()
      .prefault({}),
    ttl: z
      .object({
        accessTokenSeconds: seconds(600),
        idTokenSeconds: seconds(3600),
        refreshTokenSeconds: seconds(14 * 24 * 3600),
        authorizationCodeSeconds: seconds(60),
        clientCredentialsSeconds: seconds(600),
        interactionSeconds: seconds(3600),
        sessionSeconds: seconds(8 * 3600),
        grantSeconds: seconds(14 * 24 * 3600),
        clockToleranceSeconds: z.coerce.number().int().min(0).max(300).default(15),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        pretty: z.enum(['auto', 'true', 'false']).default('auto'),
      })
      .strict()
      .prefault({}),
    seed: z
      .object({
        demoData: z.enum(['auto', 'true', 'false']).default('auto'),
      })
      .strict()
      .prefault({}),
    eid: z
      .object({
        trustAnchors: list(z.string().min(1)).default([]),
        intermediates: list(z.string().min(1)).default([]),
        demoPki: z.enum(['auto', 'true', 'false']).default('auto'),
        allowedPolicies: list(oid).default(BELGIAN_EID_AUTHENTICATION_POLICIES),
        clockSkewSeconds: z.coerce.number().int().min(0).max(600).default(60),
        acr: z.string().min(1).default('urn:be:fedict:iam:fas:Level500'),
        revocation: z
          .object({
            mode: z.enum(['ocsp-then-crl', 'ocsp', 'crl']).default('ocsp-then-crl'),
            failMode: z.enum(['closed', 'open']).default('closed'),
            ocspUrl: url(['http:', 'https:']).optional(),
            timeoutMs: z.coerce.number().int().min(100).max(30000).default(3000),
          })
          .strict()
          .prefault({}),
        certificateOrigin: z
          .object({
            mode: z.enum(['direct', 'proxy']).default('direct'),
            url: url(['https:', 'http:']).optional(),
            port: z.coerce.number().int().min(0).max(65535).optional(),
          })
          .strict()
          .prefault({}),
        trustedProxies: list(ipOrCidr).default([]),
        ticketTtlSeconds: z.coerce.number().int().min(5).max(300).default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;


/** The variable that names an optional YAML or JSON config file. */
export const CONFIG_FILE_ENV = 'CAPACITY_IDP_CONFIG';

export { settingDocs, type SettingDoc } from './settings-docs.ts';
