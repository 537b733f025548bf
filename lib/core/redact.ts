/**
 * Secret redaction. Every value registered here is replaced by `***` in anything the toolkit
 * prints (step lines, streamed command output, dry-run plans, error messages, --json). URL
 * passwords are masked even when nobody registered them.
 *
 * The rule (README, "What is masked"): a registered value of MIN_SUBSTRING_LENGTH characters or
 * more is masked wherever it appears; a shorter one only where it stands as a whole word, so a
 * short secret is still hidden but `1` or `api` inside other words and numbers survives. Each
 * value is also masked in its trimmed, percent-encoded and percent-decoded spellings, and each
 * line of a multi-line value (a PEM) that is long enough to be masked anywhere.
 * Callers decide what is secret: lib/secrets/masking.ts for env files, the framework for Fly
 * tokens, lib/db/url.ts for database passwords.
 */

export const MASK = '***';

/** Values at least this long are masked anywhere; shorter ones only as whole words. */
export const MIN_SUBSTRING_LENGTH = 8;

/**
 * `scheme://user:password@host` -> `scheme://user:***@host`, also when the password holds an
 * unencoded `/` (up to the first `@`); `host:8080/path@x` (a port, then a path) is left alone.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)(?!\d+\/)([^\s@]+?)(@)/gi;

/** Letters, digits and `_` next to a short value make it part of a longer word. */
const WORD_CHAR = '[\\p{L}\\p{N}_]';

export class Redactor {
  private readonly values = new Set<string>();
  /** Long values, longest first, so a secret containing another is masked whole. */
  private anywhere: string[] = [];
  /** One pattern for every short value (whole words only), or null when there is none. */
  private words: RegExp | null = null;

  /** Register secret values (empty values are ignored: there is nothing to hide). */
  add(...values: ReadonlyArray<string | undefined | null>): void {
    this.addAll(values);
  }

  /** Like add(), for any number of values (a spread of 150,000 would overflow the stack). */
  addAll(values: Iterable<string | undefined | null>): void {
    let changed = false;
    for (const value of values) {
      if (!value) continue;
      for (const form of secretForms(value)) {
        if (!this.values.has(form)) {
          this.values.add(form);
          changed = true;
        }
      }
    }
    if (changed) this.rebuild();
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.anywhere) {
      if (out.includes(value)) out = out.split(value).join(MASK);
    }
    if (this.words) out = out.replace(this.words, MASK);
    return out.replace(URL_PASSWORD, `$1${MASK}$3`);
  }

  private rebuild(): void {
    const sorted = [...this.values].sort((a, b) => b.length - a.length);
    this.anywhere = sorted.filter((v) => v.length >= MIN_SUBSTRING_LENGTH);
    const short = sorted.filter((v) => v.length < MIN_SUBSTRING_LENGTH);
    this.words =
      short.length === 0
        ? null
        : new RegExp(`(?<!${WORD_CHAR})(?:${short.map(escapeRegExp).join('|')})(?!${WORD_CHAR})`, 'gu');
  }
}

function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const trimmed = value.trim();
  if (trimmed) forms.add(trimmed);
  // Tools echo URLs percent-encoded or decoded; mask both spellings.
  forms.add(encodeURIComponent(value));
  try {
    forms.add(decodeURIComponent(value));
  } catch {
    // not percent-encoded: nothing else to add
  }
  if (value.includes('\n')) {
    // Tools print a multi-line value (a PEM) line by line: mask each line that is long enough
    // to be masked anywhere (short lines like `-----` are not secret on their own).
    for (const line of value.split(/\r?\n/)) {
      const piece = line.trim();
      if (piece.length >= MIN_SUBSTRING_LENGTH) forms.add(piece);
    }
  }
  forms.delete('');
  return [...forms];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The process-wide registry: output, the runner and the error handler all read it. */
export const secrets = new Redactor();

export function redact(text: string): string {
  return secrets.redact(text);
}

/** Env var names whose values are always shown as *** in printed commands. */
export function isSensitiveName(name: string): boolean {
  return /PASSWORD|TOKEN|SECRET|KEY|DSN|DATABASE_URL|DB_URL/i.test(name);
}
