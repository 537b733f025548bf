/**
 * Which env-file values are masked in output (README, "What is masked"). Masking everything
 * turned `1`, `kotadb` and colour codes into `***`; masking too little leaks. The rule:
 *   - a name the service treats as secret (lib/config/service-secrets.ts), or any name that
 *     looks secret (PASSWORD, TOKEN, SECRET, KEY, DSN, …): its value, whatever its length;
 *   - a name the service documents as a public setting (SUPABASE_URL, GITHUB_CLIENT_ID,
 *     DEFAULT_RATE_LIMIT, …): not masked;
 *   - any other name: its value when it has MIN_SUBSTRING_LENGTH (8) characters or more;
 *   - always: the password of a URL in any value.
 * The redactor then masks short values as whole words only (lib/core/redact.ts).
 */
import { isSensitiveName, MIN_SUBSTRING_LENGTH } from '../core/redact.ts';
import { serviceSecret } from '../config/service-secrets.ts';

/** Whether the value of `name` is masked in output. */
export function isMaskedValue(name: string, value: string): boolean {
  const known = serviceSecret(name);
  if (known) return known.secret;
  return isSensitiveName(name) || value.length >= MIN_SUBSTRING_LENGTH;
}

/** What to register with the redactor for these entries: masked values and every URL password. */
export function* valuesToMask(entries: Iterable<{ readonly name: string; readonly value: string }>): Generator<string> {
  for (const { name, value } of entries) {
    if (isMaskedValue(name, value)) yield value;
    const password = urlPassword(value);
    if (password) {
      yield password;
      yield safeDecode(password);
    }
  }
}

/** `scheme://user:password@host…` -> the password as written (null when the value has none). */
function urlPassword(value: string): string | null {
  if (!value.includes('://') || !URL.canParse(value.trim())) return null;
  return new URL(value.trim()).password || null;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
