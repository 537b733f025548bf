/**
 * Which env-file entries `fly-secrets set` sends, validated with zod against what the KotaDB
 * API expects (lib/config/service-secrets.ts). Every message names the file, line and key; none ever
 * shows a value.
 */
import { z } from 'zod';
import { isTransactionPooler, parseDbUrl, TRANSACTION_POOLER_PORT } from '../db/url.ts';
import type { EnvEntry, EnvFile } from './env-file.ts';
import { InvalidInput } from '../core/errors.ts';
import { isKnownSecret, REQUIRED_SECRET_NAMES } from '../config/service-secrets.ts';

export type SkipReason = 'empty' | 'placeholder';

export interface SecretsSelection {
  /** Validated entries to send, in file order. */
  readonly toSet: readonly EnvEntry[];
  readonly skipped: ReadonlyArray<{ readonly entry: EnvEntry; readonly reason: SkipReason }>;
  /** Names being set that the API does not read (allowed; often a typo). */
  readonly unknown: readonly string[];
  readonly warnings: readonly string[];
}

/** `<your-anon-key>`: a value copied from an example and never filled in. */
const PLACEHOLDER = /^<[^<>]*>$/;

export function skipReason(value: string): SkipReason | null {
  if (value.trim() === '') return 'empty';
  if (PLACEHOLDER.test(value.trim())) return 'placeholder';
  return null;
}

// Rules per known name. Each builds its schema for one `file:line: NAME` label so that zod's
// issues are complete sentences; none of them quotes the value.
const postgresUrl = (label: string) =>
  z.string().superRefine((value, ctx) => {
    if (!/^postgres(?:ql)?:\/\//.test(value)) {
      ctx.addIssue({ code: 'custom', message: `${label} must be a postgres:// or postgresql:// URL` });
      return;
    }
    try {
      parseDbUrl(value, label);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      ctx.addIssue({ code: 'custom', message: error.hint ? `${error.message}: ${error.hint}` : error.message });
    }
  });
const httpsUrl = (label: string) =>
  z
    .string()
    .refine((value) => URL.canParse(value) && new URL(value).protocol === 'https:' && new URL(value).hostname !== '', {
      message: `${label} must be an https:// URL`,
    });
const wholeNumber = (label: string) =>
  z.string().regex(/^[1-9][0-9]*$/, { message: `${label} must be a positive whole number` });

const VALUE_RULES: Readonly<Record<string, (label: string) => z.ZodType<string>>> = {
  DATABASE_URL: postgresUrl,
  SUPABASE_DB_URL: postgresUrl,
  SUPABASE_URL: httpsUrl,
  DEFAULT_RATE_LIMIT: wholeNumber,
  DEFAULT_MONTHLY_QUOTA: wholeNumber,
};

/**
 * Chooses and validates what to send. `only` limits it to those names (then names outside it
 * are neither sent nor required). Throws InvalidInput (exit 2) listing every problem.
 */
export function selectSecrets(file: EnvFile, only: readonly string[] | null): SecretsSelection {
  const byName = new Map(file.entries.map((e) => [e.name, e]));
  const problems: string[] = [];
  const warnings: string[] = [];
  const at = (entry: EnvEntry) => `${file.label}:${entry.line}: ${entry.name}`;

  if (only) {
    const absent = only.filter((name) => !byName.has(name));
    if (absent.length > 0)
      problems.push(`${file.label}: --only names what the file does not set: ${absent.join(', ')}`);
  } else {
    const absent = REQUIRED_SECRET_NAMES.filter((name) => !byName.has(name));
    if (absent.length > 0)
      problems.push(`${file.label}: required secret${absent.length === 1 ? '' : 's'} missing: ${absent.join(', ')}`);
  }

  const chosen = only ? file.entries.filter((e) => only.includes(e.name)) : file.entries;
  const toSet: EnvEntry[] = [];
  const skipped: Array<{ entry: EnvEntry; reason: SkipReason }> = [];
  for (const entry of chosen) {
    const reason = skipReason(entry.value);
    if (reason) {
      if (REQUIRED_SECRET_NAMES.includes(entry.name))
        problems.push(`${at(entry)} is required but ${reason === 'empty' ? 'empty' : 'a <placeholder>'}`);
      else skipped.push({ entry, reason });
      continue;
    }
    const rule = VALUE_RULES[entry.name];
    const checked = rule?.(at(entry)).safeParse(entry.value);
    if (checked && !checked.success) {
      problems.push(...checked.error.issues.map((issue) => issue.message));
      continue;
    }
    if (entry.name === 'DATABASE_URL') {
      const db = parseDbUrl(entry.value, at(entry));
      if (!isTransactionPooler(db)) {
        warnings.push(
          `${at(entry)} uses port ${db.port}, not the transaction pooler port ${TRANSACTION_POOLER_PORT} the API expects`,
        );
      }
    }
    toSet.push(entry);
  }

  if (problems.length > 0) {
    const message =
      problems.length === 1 ? problems[0]! : `${file.label}: ${problems.length} problems:\n  ${problems.join('\n  ')}`;
    throw new InvalidInput(message, { hint: `fix ${file.label} (.env.example lists every name); nothing was sent` });
  }
  return { toSet, skipped, unknown: toSet.filter((e) => !isKnownSecret(e.name)).map((e) => e.name), warnings };
}
