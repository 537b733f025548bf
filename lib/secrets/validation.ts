/**
 * Which env-file entries `fly-secrets set` sends, validated with zod against what the KotaDB
 * API expects (lib/config/service-secrets.ts). Every message names the file, line and key; none
 * ever shows a value. The file's own format problems (lib/secrets/env-file.ts) are listed in the
 * same error, so one run names everything to fix.
 */
import type { z } from 'zod';
import { zod } from '../core/deferred.ts';
import { isTransactionPooler, readDbUrl, TRANSACTION_POOLER_PORT } from '../db/url.ts';
import { problemsError, type EnvEntry, type EnvFile, type EnvProblem } from './env-file.ts';
import { InvalidInput } from '../core/errors.ts';
import { caseVariantOf, isKnownSecret, REQUIRED_SECRET_NAMES } from '../config/service-secrets.ts';

export type SkipReason = 'empty' | 'placeholder';

export interface SecretsSelection {
  /** Validated entries to send, in file order. */
  readonly toSet: readonly EnvEntry[];
  readonly skipped: ReadonlyArray<{ readonly entry: EnvEntry; readonly reason: SkipReason }>;
  /** Names being set that the API does not read (allowed; often a typo), with the name meant when only the case differs. */
  readonly unknown: ReadonlyArray<{ readonly name: string; readonly meant?: string }>;
  readonly warnings: readonly string[];
}

/** `<your-anon-key>`: a value copied from an example and never filled in. */
const PLACEHOLDER = /^<[^<>]*>$/;

export function skipReason(value: string): SkipReason | null {
  if (value.trim() === '') return 'empty';
  if (PLACEHOLDER.test(value.trim())) return 'placeholder';
  return null;
}

// Rules per known name. Each builds its schema for the entry's NAME so that zod's issues are
// complete sentences (the file and line are added around them); none of them quotes the value.
// zod is loaded when the first value is checked (not on the start-up path).
const postgresUrl = (label: string) =>
  zod()
    .z.string()
    .superRefine((value, ctx) => {
      if (!/^postgres(?:ql)?:\/\//.test(value)) {
        ctx.addIssue({ code: 'custom', message: `${label} must be a postgres:// or postgresql:// URL` });
        return;
      }
      // The API's own driver reads this URL, not the toolkit's CLI: query parameters it needs
      // (sslmode, pgbouncer, statement_cache_capacity, …) are its business, so read leniently.
      try {
        readDbUrl(value, label);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        ctx.addIssue({ code: 'custom', message: error.hint ? `${error.message}: ${error.hint}` : error.message });
      }
    });
const httpsUrl = (label: string) =>
  zod()
    .z.string()
    .refine((value) => URL.canParse(value) && new URL(value).protocol === 'https:' && new URL(value).hostname !== '', {
      message: `${label} must be an https:// URL`,
    });
const wholeNumber = (label: string) =>
  zod()
    .z.string()
    .regex(/^[1-9][0-9]*$/, { message: `${label} must be a positive whole number` });

const VALUE_RULES: Readonly<Record<string, (label: string) => z.ZodType<string>>> = {
  DATABASE_URL: postgresUrl,
  SUPABASE_DB_URL: postgresUrl,
  SUPABASE_URL: httpsUrl,
  DEFAULT_RATE_LIMIT: wholeNumber,
  DEFAULT_MONTHLY_QUOTA: wholeNumber,
};

/**
 * Chooses and validates what to send. `only` limits it to those names (then names outside it
 * are neither sent nor required). Throws InvalidInput (exit 2) listing every problem, the
 * file's format problems included; an entry with a format problem is not checked further.
 */
export function selectSecrets(file: EnvFile, only: readonly string[] | null): SecretsSelection {
  const byName = new Map(file.entries.map((e) => [e.name, e]));
  const problems: EnvProblem[] = [...file.problems];
  const misread = new Set(file.problems.map((p) => p.name).filter((name) => name !== undefined));
  const warnings: string[] = [];

  if (only) {
    const absent = only.filter((name) => !byName.has(name));
    if (absent.length > 0)
      problems.push({ line: null, text: `--only names what the file does not set: ${absent.join(', ')}` });
  } else {
    const absent = REQUIRED_SECRET_NAMES.filter((name) => !byName.has(name));
    if (absent.length > 0) {
      const named = absent.map((name) => {
        const variant = file.entries.find((e) => caseVariantOf(e.name) === name);
        return variant ? `${name} (the file sets ${variant.name}: names are case-sensitive)` : name;
      });
      problems.push({
        line: null,
        text: `required secret${absent.length === 1 ? '' : 's'} missing: ${named.join(', ')}`,
      });
    }
  }

  const chosen = (only ? file.entries.filter((e) => only.includes(e.name)) : file.entries).filter(
    (e) => !misread.has(e.name),
  );
  const toSet: EnvEntry[] = [];
  const skipped: Array<{ entry: EnvEntry; reason: SkipReason }> = [];
  for (const entry of chosen) {
    const at = { line: entry.line, name: entry.name };
    const reason = skipReason(entry.value);
    if (reason) {
      if (REQUIRED_SECRET_NAMES.includes(entry.name))
        problems.push({
          ...at,
          text: `${entry.name} is required but ${reason === 'empty' ? 'empty' : 'a <placeholder>'}`,
        });
      else skipped.push({ entry, reason });
      continue;
    }
    const rule = VALUE_RULES[entry.name];
    const checked = rule?.(entry.name).safeParse(entry.value);
    if (checked && !checked.success) {
      problems.push(...checked.error.issues.map((issue) => ({ ...at, text: issue.message })));
      continue;
    }
    if (entry.name === 'DATABASE_URL') {
      const { db } = readDbUrl(entry.value, entry.name);
      if (!isTransactionPooler(db)) {
        warnings.push(
          `${file.label}:${entry.line}: DATABASE_URL uses port ${db.port}, not the transaction pooler port ${TRANSACTION_POOLER_PORT} the API expects`,
        );
      }
    }
    toSet.push(entry);
  }

  if (problems.length > 0) throw problemsError(file.label, problems);
  const unknown = toSet
    .filter((e) => !isKnownSecret(e.name))
    .map((e) => {
      const meant = caseVariantOf(e.name);
      return meant ? { name: e.name, meant } : { name: e.name };
    });
  return { toSet, skipped, unknown, warnings };
}
