/**
 * A small evaluator for the GitHub Actions expressions our workflows use (`==`, `!=`, `&&`,
 * `||`, `!`, parentheses, string literals, context paths such as `needs.build.outputs.image`,
 * and the status functions `success()`, `failure()`, `cancelled()`, `always()`), so tests
 * can compute which jobs and steps run for a given event instead of string-matching `if:` lines.
 * Semantics follow GitHub's: `&&`/`||` return an operand; string comparison ignores case.
 *
 * Status functions read the context: `needs.<job>.result` ('success' | 'failure' |
 * 'cancelled' | 'skipped') for a job's `if:`, and `cancelled: true` when the run was cancelled.
 * `success()` is true when every needed job succeeded; `failure()` when one failed.
 */
export type Context = Record<string, unknown>;
type Value = string | boolean | null | undefined | number;

export function evaluate(expression: string, context: Context): Value {
  const source = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  const primary = (): Value => {
    const token = next();
    if (token === undefined) throw new Error(`unexpected end of expression: ${expression}`);
    if (token === '(') {
      const value = or();
      if (next() !== ')') throw new Error(`missing ) in ${expression}`);
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (peek() === '(' && /^[A-Za-z_]\w*$/.test(token)) {
      next();
      if (next() !== ')') throw new Error(`only functions without arguments are supported: ${token}( in ${expression}`);
      return call(token, context, expression);
    }
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (/^\d+$/.test(token)) return Number(token);
    return lookup(context, token);
  };
  const comparison = (): Value => {
    let left = primary();
    while (peek() === '==' || peek() === '!=') {
      const op = next();
      const right = primary();
      const equal = normalise(left) === normalise(right);
      left = op === '==' ? equal : !equal;
    }
    return left;
  };
  const and = (): Value => {
    let left = comparison();
    while (peek() === '&&') {
      next();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): Value => {
    let left = and();
    while (peek() === '||') {
      next();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const value = or();
  if (position !== tokens.length) throw new Error(`unexpected "${tokens[position]}" in ${expression}`);
  return value;
}

/** The status functions: those that make a job's `if:` decide even when a needed job did not succeed. */
const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'] as const;

/**
 * Whether an `if:` calls a status function. Without one GitHub evaluates `success() && (…)`:
 * a job whose needed job failed or was skipped is skipped itself.
 */
export function usesStatusFunction(expression: string): boolean {
  return new RegExp(`\\b(${STATUS_FUNCTIONS.join('|')})\\s*\\(`).test(expression);
}

function call(name: string, context: Context, expression: string): Value {
  const results = Object.values((context.needs ?? {}) as Record<string, { result?: string }>).map((n) => n.result);
  const cancelled = context.cancelled === true;
  switch (name) {
    case 'always':
      return true;
    case 'cancelled':
      return cancelled;
    case 'success':
      return !cancelled && results.every((r) => r === 'success');
    case 'failure':
      return results.some((r) => r === 'failure');
    default:
      throw new Error(`unsupported function ${name}() in ${expression}`);
  }
}

/** Replaces every `${{ … }}` inside a string (e.g. a concurrency group). */
export function interpolate(text: string, context: Context): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, inner: string) => String(evaluate(inner, context) ?? ''));
}

export function truthy(value: Value): boolean {
  return value !== null && value !== undefined && value !== false && value !== '' && value !== 0;
}

function normalise(value: Value): Value {
  return typeof value === 'string' ? value.toLowerCase() : (value ?? null);
}

function lookup(context: Context, path: string): Value {
  let current: unknown = context;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[part];
  }
  return (current ?? null) as Value;
}

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(\|\||&&|==|!=|!|\(|\)|'(?:[^']|'')*'|[A-Za-z_][\w.-]*|\d+)/y;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (!match) throw new Error(`cannot tokenize "${source.slice(index)}"`);
    tokens.push(match[1]!);
    index = pattern.lastIndex;
  }
  return tokens;
}
