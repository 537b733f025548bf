/**
 * Secret redaction. Every value registered here is replaced by `***` in anything the toolkit
 * prints (step lines, streamed command output, dry-run plans, error messages). URL passwords
 * are masked even when nobody registered them.
 */

export const MASK = '***';

/**
 * `scheme://user:password@host` -> `scheme://user:***@host`, also when the password holds an
 * unencoded `/` (up to the first `@`); `host:8080/path@x` (a port, then a path) is left alone.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)(?!\d+\/)([^\s@]+?)(@)/gi;

// Short fragments of a multi-line value (a PEM line) are printed on their own by tools; mask
// each line too, but only lines long enough not to mask ordinary words.
const MIN_LINE_FRAGMENT = 8;

export class Redactor {
  private readonly values = new Set<string>();
  private ordered: string[] = [];

  /** Register secret values (empty values are ignored: there is nothing to hide). */
  add(...values: ReadonlyArray<string | undefined | null>): void {
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
    // Longest first, so a secret containing another is masked whole.
    if (changed) this.ordered = [...this.values].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.ordered) {
      if (out.includes(value)) out = out.split(value).join(MASK);
    }
    return out.replace(URL_PASSWORD, `$1${MASK}$3`);
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
    for (const line of value.split(/\r?\n/)) {
      const piece = line.trim();
      if (piece.length >= MIN_LINE_FRAGMENT) forms.add(piece);
    }
  }
  forms.delete('');
  return [...forms];
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
