/**
 * What a migration file says about itself in comments:
 * - `-- squawk-ignore <rule>[, <rule>] -- <reason>` acknowledges a finding on the next
 *   statement (squawk's own form; `squawk-ignore-file` for the whole file). squawk does the
 *   ignoring; the lint insists on the rule name and the reason.
 * - `-- kotadb: contract` declares the file a contract migration on purpose (see classify.ts).
 */
import type { SqlComment } from '../statements.ts';

export interface Acknowledgement {
  readonly line: number;
  /** Rule names as written. */
  readonly rules: readonly string[];
  readonly reason: string;
  readonly scope: 'statement' | 'file';
}

export interface CommentProblem {
  readonly line: number;
  readonly rule: string;
  readonly message: string;
  readonly fix: string;
}

export interface FileComments {
  readonly acknowledgements: Acknowledgement[];
  readonly declaredContract: boolean;
  readonly problems: CommentProblem[];
}

const IGNORE = /^squawk-ignore(-file)?(?:\s+|$)(.*)$/s;
const DIRECTIVE = /^kotadb\s*:\s*(.*)$/is;

export const IGNORE_WITHOUT_REASON = 'kotadb-ignore-without-reason';
export const IGNORE_WITHOUT_RULE = 'kotadb-ignore-without-rule';
export const UNKNOWN_DIRECTIVE = 'kotadb-unknown-directive';

export function readFileComments(comments: readonly SqlComment[]): FileComments {
  const acknowledgements: Acknowledgement[] = [];
  const problems: CommentProblem[] = [];
  let declaredContract = false;
  for (const comment of comments) {
    const ignore = IGNORE.exec(comment.body);
    if (ignore) {
      const scope = ignore[1] ? 'file' : 'statement';
      const [names = '', ...reasonParts] = ignore[2]!.split('--');
      const rules = names
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      const reason = reasonParts.join('--').trim();
      if (rules.length === 0) {
        problems.push({
          line: comment.line,
          rule: IGNORE_WITHOUT_RULE,
          message: `squawk-ignore${ignore[1] ?? ''} without a rule name silences every finding`,
          fix: 'name the rule it acknowledges: -- squawk-ignore <rule> -- <why it is safe here>',
        });
      }
      if (!reason) {
        problems.push({
          line: comment.line,
          rule: IGNORE_WITHOUT_REASON,
          message: `acknowledging ${rules.join(', ') || 'a finding'} needs a reason`,
          fix: `add why it is safe after a second --: -- squawk-ignore${ignore[1] ?? ''} ${rules.join(', ') || '<rule>'} -- <reason>`,
        });
      }
      acknowledgements.push({ line: comment.line, rules, reason, scope });
      continue;
    }
    const directive = DIRECTIVE.exec(comment.body);
    if (directive) {
      if (/^contract\b/i.test(directive[1]!.trim())) declaredContract = true;
      // A lone lowercase word is a directive with a typo; prose that starts with "KotaDB:" is not.
      else if (/^kotadb:\s*[a-z-]+$/.test(comment.body))
        problems.push({
          line: comment.line,
          rule: UNKNOWN_DIRECTIVE,
          message: `unknown kotadb directive "${directive[1]!.trim()}"`,
          fix: 'the one directive is `-- kotadb: contract` (this file removes or changes schema the running release may use, on purpose)',
        });
    }
  }
  return { acknowledgements, declaredContract, problems };
}
