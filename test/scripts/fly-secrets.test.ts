/**
 * fly-secrets in-process, with a recording executor answering flyctl: for every action, the
 * exact ordered flyctl calls (and stdin) on the success path and on each failure path, and that
 * no value is ever on argv or in what is printed. Usage errors come first and call nothing.
 * (What flyctl's own import parser reads back is tested against the fake: fly-secrets-set.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { script } from '../../scripts/fly-secrets.ts';
import { expectNoValueIn, PEM, tempFolder } from '../helpers/fly-secrets.ts';
import { recordingExec, type RecordingExec } from '../helpers/recording-exec.ts';
import { runInProcess, type InProcessOptions } from '../helpers/run-in-process.ts';
import { answeredAtPrompt } from '../helpers/prompt-input.ts';
import { checkLockArgv, freeLock, releaseLockArgv, takeLockArgv } from '../helpers/scripted-lock.ts';

const STAGING = 'kotadb-api-staging';
const PRODUCTION = 'kotadb-api';
const REQUIRED = ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'];

const VALUES = {
  DATABASE_URL: 'postgresql://postgres.ref0000001:Pw%23orch-secret@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
  SUPABASE_URL: 'https://ref0000001.supabase.co',
  SUPABASE_ANON_KEY: 'anon-orch-key-0123456789',
  SUPABASE_SERVICE_KEY: 'service#orch"key==',
};
const FILE_LINES = [
  `DATABASE_URL=${VALUES.DATABASE_URL}`,
  `SUPABASE_URL=${VALUES.SUPABASE_URL}`,
  `SUPABASE_ANON_KEY=${VALUES.SUPABASE_ANON_KEY}`,
  `SUPABASE_SERVICE_KEY='${VALUES.SUPABASE_SERVICE_KEY}'`,
];
/** What flyctl's import must receive for FILE_LINES (the encoder's spellings). */
const IMPORT_STDIN = [
  `DATABASE_URL=${VALUES.DATABASE_URL}`,
  `SUPABASE_URL=${VALUES.SUPABASE_URL}`,
  `SUPABASE_ANON_KEY=${VALUES.SUPABASE_ANON_KEY}`,
  `SUPABASE_SERVICE_KEY="${VALUES.SUPABASE_SERVICE_KEY}"`,
  '',
].join('\n');

const list = (app: string) => ['flyctl', 'secrets', 'list', '--app', app, '--json'];
const importCall = (app: string, ...flags: string[]) => ['flyctl', 'secrets', 'import', '--app', app, ...flags];
const WHOAMI = ['flyctl', 'auth', 'whoami', '--json'];
const APPS = ['flyctl', 'apps', 'list', '--json'];

type Status = 'Deployed' | 'Staged' | 'Partial' | 'Unknown' | null;
function secretsJson(statuses: Record<string, Status>): string {
  return JSON.stringify(
    Object.entries(statuses).map(([name, status]) => ({
      name,
      digest: `${name.length.toString(16).padStart(2, '0')}e1f2a3b4c5d6e7`,
      ...(status === null ? {} : { status }),
    })),
  );
}
const deployed = (...extra: string[]) =>
  Object.fromEntries([...REQUIRED, ...extra].map((name) => [name, 'Deployed' as Status]));

const APPS_JSON = JSON.stringify([{ Name: STAGING }, { Name: PRODUCTION }]);

/** The calls of a mutating action: the lock taken, the change sent, the lock released. */
const locked = (environment: string, ...calls: string[][]) => [
  ...takeLockArgv(environment),
  ...calls,
  ...releaseLockArgv(environment),
];

/**
 * flyctl as a logged-in user of both apps, every secret Deployed, and a free deploy lock (the
 * lock itself: test/integration/deploy-lock-scripts.test.ts); tests override what they need.
 */
function fly(): RecordingExec {
  return freeLock(recordingExec())
    .on(['flyctl', 'secrets', 'list'], { stdout: secretsJson(deployed()) })
    .on(['flyctl', 'secrets', 'import'], { stdout: 'Secrets are deployed\n' })
    .on(['flyctl', 'secrets', 'set'], {})
    .on(['flyctl', 'secrets', 'unset'], {})
    .on(['flyctl', 'secrets', 'deploy'], {})
    .on(WHOAMI, { stdout: '{"email":"dev@example.com"}' })
    .on(APPS, { stdout: APPS_JSON });
}

let folder: ReturnType<typeof tempFolder>;
let exec: RecordingExec;
beforeEach(() => {
  folder = tempFolder();
  exec = fly();
});
afterEach(() => {
  // Never a value on flyctl's argv: subcommands, flags, names and NAME=- only.
  for (const argv of exec.argvOf('flyctl'))
    for (const arg of argv) expect(arg).toMatch(/^(--[a-z-]+|[A-Za-z0-9_-]+(=-)?)$/);
  // ...nor on git's (the lock), nor in any child's environment.
  expectNoValueIn(JSON.stringify(exec.calls.filter((c) => c.argv[0] === 'git')), allValues);
  folder.cleanup();
});

const secrets = (args: string[], io: InProcessOptions = {}, env: Record<string, string> = {}) =>
  runInProcess(script, args, env, { exec, cwd: folder.dir, ...io });
const envFile = (lines: readonly string[], name = '.env.test', mode?: number) =>
  folder.write(name, [...lines, ''].join('\n'), mode);
const allValues = [...Object.values(VALUES), 'orch-secret'];
/** What flyctl got on stdin, call by call. */
const flyInputs = () => exec.calls.filter((c) => c.argv[0] === 'flyctl').map((c) => c.input);

describe('fly-secrets usage (one line, exit 2, nothing called)', () => {
  it.each([
    [
      ['staging', 'rotate'],
      'error: unknown action "rotate": expected one of set, list, unset, check, diff, deploy. Run with --help for usage.',
    ],
    [['staging'], 'error: missing <action>. Run with --help for usage.'],
    [
      ['qa', 'list'],
      'error: unknown environment "qa": expected one of staging, production. Run with --help for usage.',
    ],
    [['staging', 'list', '--stage'], 'error: --stage does not apply to list. Run with --help for usage.'],
    [['staging', 'set', '--json'], 'error: --json does not apply to set. Run with --help for usage.'],
    [['staging', 'check', 'DATABASE_URL'], 'error: unexpected argument "DATABASE_URL". Run with --help for usage.'],
    [['staging', 'unset'], 'error: unset needs at least one secret NAME. Run with --help for usage.'],
    [['staging', 'unset', 'A=b'], 'error: "A=b" is not a secret name. Run with --help for usage.'],
    [['staging', 'set', '--only', 'A,B-C'], 'error: --only: "B-C" is not a secret name. Run with --help for usage.'],
    [['staging', 'set', '--only', ' , '], 'error: --only needs at least one name. Run with --help for usage.'],
    [['staging', 'list', '--lock-wait', '5'], 'error: --lock-wait does not apply to list. Run with --help for usage.'],
    [
      ['staging', 'set', '--lock-wait', 'soon'],
      'error: --lock-wait expects whole seconds (e.g. 300), got "soon". Run with --help for usage.',
    ],
  ])('%j exits 2 with one line', async (args, line) => {
    const result = await secrets(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(line);
    expect(result.stdout).toBe('');
    expect(exec.calls).toEqual([]);
  });

  it('answers --help on stdout with every action and flag', async () => {
    const result = await secrets(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Usage: npx just secrets <staging\|production> <set\|list\|unset\|check\|diff\|deploy>/,
    );
    for (const flag of [
      '--file <path>',
      '--stage',
      '--only <A,B>',
      '--force',
      '--json',
      '--dry-run',
      '--yes',
      '--lock-wait <seconds>',
    ])
      expect(result.stdout).toContain(flag);
  });
});

describe('set', () => {
  it('one import with every value on stdin, in the encoder spelling; names printed, values never', async () => {
    const file = envFile([...FILE_LINES, 'SENTRY_DSN=', 'REDIS_URL=', 'JWT_SECRET=<your-jwt-secret>']);
    const result = await secrets(['staging', 'set', '--file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual(locked('staging', importCall(STAGING)));
    expect(flyInputs()).toEqual([IMPORT_STDIN]);
    expect(result.stdout).toBe(`${REQUIRED.join('\n')}\n`);
    // Empty optional names copied from .env.example: one line, not a warning each.
    expect(result.stderr).toContain(`not set (empty in ${file}): SENTRY_DSN, REDIS_URL\n`);
    expect(result.stderr).not.toMatch(/warning: .*SENTRY_DSN/);
    expect(result.stderr).toContain(`warning: still a <placeholder> in ${file}, not set: JWT_SECRET`);
    expect(result.stderr).toContain(`✓ set on ${STAGING}: 4 secrets`);
    expectNoValueIn(result.all, allValues);
  });

  it('--stage and --only go to the import; --only sends just those names', async () => {
    const file = envFile([...FILE_LINES, 'JWT_SECRET="jwt#1=="', 'REDIS_URL=redis://cache:6379']);
    const result = await secrets(['staging', 'set', '--file', file, '--stage', '--only', 'JWT_SECRET, REDIS_URL']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual(locked('staging', importCall(STAGING, '--stage')));
    expect(flyInputs()).toEqual(['JWT_SECRET="jwt#1=="\nREDIS_URL=redis://cache:6379\n']);
    expect(result.stderr).toContain(`✓ staged on ${STAGING}: 2 secrets`);
    expect(result.stderr).toContain('apply with `npx just secrets staging deploy`');
  });

  it('a value the import cannot carry goes first through set NAME=- --stage, alone on stdin', async () => {
    const crlfPem = PEM.replace(/\n/g, '\r\n').trimEnd();
    const file = envFile([...FILE_LINES, `GITHUB_APP_PRIVATE_KEY="${crlfPem.replace(/\r\n/g, '\\r\\n')}"`]);
    const result = await secrets(['staging', 'set', '--file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual(
      locked(
        'staging',
        ['flyctl', 'secrets', 'set', 'GITHUB_APP_PRIVATE_KEY=-', '--app', STAGING, '--stage'],
        importCall(STAGING),
      ),
    );
    expect(flyInputs()).toEqual([crlfPem, IMPORT_STDIN]);
    expectNoValueIn(result.all, [...allValues, crlfPem]);
  });

  it('only stdin-path values and no --stage: they are staged one by one, then one secrets deploy applies them', async () => {
    const crlfPem = PEM.replace(/\n/g, '\r\n').trimEnd();
    const file = envFile([`GITHUB_APP_PRIVATE_KEY="${crlfPem.replace(/\r\n/g, '\\r\\n')}"`]);
    const result = await secrets(['staging', 'set', '--file', file, '--only', 'GITHUB_APP_PRIVATE_KEY']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual(
      locked(
        'staging',
        ['flyctl', 'secrets', 'set', 'GITHUB_APP_PRIVATE_KEY=-', '--app', STAGING, '--stage'],
        ['flyctl', 'secrets', 'deploy', '--app', STAGING],
      ),
    );
  });

  it('the import fails after a value was staged: says which one waits, and what flyctl said (exit 1)', async () => {
    const crlfPem = PEM.replace(/\n/g, '\r\n').trimEnd();
    const file = envFile([...FILE_LINES, `GITHUB_APP_PRIVATE_KEY="${crlfPem.replace(/\r\n/g, '\\r\\n')}"`]);
    exec.once(['flyctl', 'secrets', 'import'], { exitCode: 1, stderr: 'Error: upstream unavailable\n' });
    const result = await secrets(['staging', 'set', '--file', file]);
    expect(result.code).toBe(1);
    // the lock is released before flyctl is asked why it failed
    expect(exec.argv()).toEqual([
      ...locked(
        'staging',
        ['flyctl', 'secrets', 'set', 'GITHUB_APP_PRIVATE_KEY=-', '--app', STAGING, '--stage'],
        importCall(STAGING),
      ),
      WHOAMI,
      APPS,
    ]);
    expect(result.stderr).toContain(
      `error: flyctl secrets import --app ${STAGING} failed (exit 1): Error: upstream unavailable; GITHUB_APP_PRIVATE_KEY staged (not yet applied); nothing else was applied`,
    );
  });

  it.each([
    [
      'not logged in',
      (e: RecordingExec) => e.on(WHOAMI, { exitCode: 1, stderr: 'Error: no access token available\n' }),
      [...locked('staging', importCall(STAGING)), WHOAMI],
      'error: not logged in to Fly.io (',
    ],
    [
      'the app is missing',
      (e: RecordingExec) => e.on(APPS, { stdout: JSON.stringify([{ Name: PRODUCTION }]) }),
      [...locked('staging', importCall(STAGING)), WHOAMI, APPS],
      `error: Fly app ${STAGING} (staging) does not exist`,
    ],
  ])(
    'flyctl fails because %s: exit 3 with the fix, flyctl’s error kept as evidence',
    async (_w, world, calls, line) => {
      world(exec);
      exec.once(['flyctl', 'secrets', 'import'], { exitCode: 1, stderr: 'Error: request failed\n' });
      const result = await secrets(['staging', 'set', '--file', envFile(FILE_LINES)]);
      expect(result.code).toBe(3);
      expect(exec.argv()).toEqual(calls);
      expect(result.stderr).toContain(line);
      expect(result.stderr).toContain('Error: request failed');
    },
  );

  it('flyctl echoes the values in its error: printed masked', async () => {
    exec.once(['flyctl', 'secrets', 'import'], {
      exitCode: 1,
      stderr: `Error: cannot parse ${VALUES.SUPABASE_ANON_KEY} and "${VALUES.SUPABASE_SERVICE_KEY}"\n`,
    });
    const result = await secrets(['staging', 'set', '--file', envFile(FILE_LINES)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: cannot parse *** and "***"');
    expectNoValueIn(result.all, allValues);
  });

  it('Ctrl-C during the import: exit 130, saying the import may or may not have been applied', async () => {
    const controller = new AbortController();
    exec.once(['flyctl', 'secrets', 'import'], () => {
      setTimeout(() => controller.abort(), 5);
      return { hang: true };
    });
    const result = await secrets(['staging', 'set', '--file', envFile(FILE_LINES)], { signal: controller.signal });
    expect(result.code).toBe(130);
    expect(exec.argv()).toEqual(locked('staging', importCall(STAGING)));
    expect(result.stderr).toContain(
      `error: interrupted while running: flyctl secrets import --app ${STAGING}; the import of 4 secrets may or may not have been applied: check with \`npx just secrets staging list\`; the staging deploy lock was released`,
    );
  });

  it('every problem of the file in one run (format and values), nothing sent', async () => {
    const file = envFile([
      'DATABASE_URL=postgresql://u:pa#ss@h:6543/db',
      'SUPABASE_URL=http://insecure.supabase.co',
      'JWT_SECRET=abc#def',
      'database_url_typo line',
    ]);
    const result = await secrets(['staging', 'set', '--file', file]);
    expect(result.code).toBe(2);
    expect(exec.calls).toEqual([]);
    expect(result.stderr).toContain(
      [
        `error: ${file}: 5 problems:`,
        `  ${file}: required secrets missing: SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY`,
        `  ${file}:1: DATABASE_URL: unquoted "#" starts a comment, so dotenv would cut the value there; in a URL write it percent-encoded (# as %23; also @ %40, / %2F, ? %3F, % %25 in a password)`,
        `  ${file}:2: SUPABASE_URL must be an https:// URL`,
        `  ${file}:3: JWT_SECRET: unquoted "#" starts a comment, so dotenv would cut the value there; quote the value ("…") or put a space before the comment`,
        `  ${file}:4: not a NAME=VALUE line (dotenv would silently skip it)`,
      ].join('\n'),
    );
    expect(result.stderr).not.toContain('pa#ss');
  });

  it('a name that differs only in case is named as such', async () => {
    const file = envFile([...FILE_LINES.filter((l) => !l.startsWith('DATABASE_URL')), 'database_url=x']);
    const result = await secrets(['staging', 'set', '--file', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: ${file}: required secret missing: DATABASE_URL (the file sets database_url: names are case-sensitive)`,
    );
  });

  it.each(['.env.production', '.env.PRODUCTION', '.env.production.bak', 'production.env', '.env.Prod'])(
    'refuses %s for staging (exit 3), nothing called',
    async (name) => {
      envFile(FILE_LINES, name);
      const result = await secrets(['staging', 'set', '--file', name]);
      expect(result.code).toBe(3);
      expect(exec.calls).toEqual([]);
      expect(result.stderr).toContain(
        `error: refusing to use ${name} for staging: its name says it holds production values`,
      );
    },
  );

  it('refuses a .env.staging for production, by the same rule', async () => {
    envFile(FILE_LINES, '.env.Staging.old');
    const result = await secrets(['production', 'set', '--file', '.env.Staging.old', '--yes']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('its name says it holds staging values');
    expect(result.stderr).toContain('copy it to .env.production if these values really are meant for production');
  });

  it('refuses a symlink to the other environment’s file, naming the target', async () => {
    envFile(FILE_LINES, '.env.production');
    folder.link('.env.production', 'current.env');
    const result = await secrets(['staging', 'set', '--file', 'current.env']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'error: refusing to use current.env for staging: it links to .env.production, whose name says it holds production values',
    );
  });

  it.each([
    [
      'a FIFO',
      (f: ReturnType<typeof tempFolder>) => f.fifo('env.fifo'),
      (file: string) => `error: ${file}: cannot read the env file (it is a FIFO, not a regular file)`,
    ],
    [
      'a file over 1 MiB (150,000 entries)',
      (f: ReturnType<typeof tempFolder>) =>
        f.write('.env.huge', Array.from({ length: 150_000 }, (_, i) => `KEY_${i}=v${i}`).join('\n')),
      (file: string) => `error: ${file}: the env file is 2.5 MiB; an env file may hold at most 1 MiB`,
    ],
  ])('refuses %s with exit 2 and one line, at once', async (_what, make, line) => {
    const file = make(folder);
    const result = await secrets(['staging', 'set', '--file', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(line(file));
    expect(exec.calls).toEqual([]);
  });

  it('production: refused without --yes when nobody can answer (exit 3, nothing called); sent with --yes', async () => {
    const file = envFile(FILE_LINES);
    const refused = await secrets(['production', 'set', '--file', file]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('error: refusing to set 4 secrets without confirmation');
    expect(exec.calls).toEqual([]);
    const done = await secrets(['production', 'set', '--file', file, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(exec.argv()).toEqual(locked('production', importCall(PRODUCTION)));
  });

  it('production at a terminal: asks for the app name and sends only when it matches', async () => {
    const file = envFile(FILE_LINES);
    const wrong = await secrets(['production', 'set', '--file', file], {
      stdin: answeredAtPrompt('kotadb-api-staging\n'),
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('Type the app name (kotadb-api) and press Enter to set 4 secrets');
    expect(wrong.stderr).toContain('error: confirmation did not match "kotadb-api": nothing was changed');
    expect(exec.calls).toEqual([]);
    const right = await secrets(['production', 'set', '--file', file], { stdin: answeredAtPrompt('kotadb-api\n') });
    expect(right.code, right.stderr).toBe(0);
    expect(exec.argv()).toEqual(locked('production', importCall(PRODUCTION)));
  });

  it('--dry-run validates and plans (stdin hidden), sends nothing; warns about a file others can read', async () => {
    const file = envFile(FILE_LINES, '.env.open', 0o644);
    const result = await secrets(['production', 'set', '--file', file, '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    // no flyctl call; the lock is only checked, its pushes printed
    expect(exec.argv()).toEqual(checkLockArgv('production'));
    expect(result.stderr).toContain('dry run: the production deploy lock is free; a real run takes it here');
    expect(result.stderr).toContain(`warning: ${file} is accessible to other users (mode 644): run chmod 600 ${file}`);
    expect(result.stdout).toContain(`$ flyctl secrets import --app ${PRODUCTION}  # + stdin (4 lines, values hidden)`);
    expect(result.stderr).toContain(
      'dry run: nothing was sent (set: DATABASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY)',
    );
    expectNoValueIn(result.all, allValues);
  });
});

describe('list', () => {
  it('names, digests, status; missing required marked; secrets the API does not read noted', async () => {
    exec.on(['flyctl', 'secrets', 'list'], {
      stdout: secretsJson({
        DATABASE_URL: 'Deployed',
        SUPABASE_URL: 'Staged',
        SUPABASE_ANON_KEY: 'Deployed',
        EXTRA: 'Deployed',
      }),
    });
    const result = await secrets(['staging', 'list']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([list(STAGING)]);
    expect(result.stdout.split('\n')).toEqual([
      'NAME                  DIGEST            STATUS    NOTE',
      'DATABASE_URL          0ce1f2a3b4c5d6e7  Deployed  required',
      'SUPABASE_URL          0ce1f2a3b4c5d6e7  Staged    required',
      'SUPABASE_ANON_KEY     11e1f2a3b4c5d6e7  Deployed  required',
      'EXTRA                 05e1f2a3b4c5d6e7  Deployed  not read by the API',
      'SUPABASE_SERVICE_KEY  -                 MISSING   required',
      '',
    ]);
    expect(result.stderr).toContain(`warning: required secrets missing on ${STAGING}: SUPABASE_SERVICE_KEY`);
  });

  it('every secret Staged: the status is unknown, not staged (table and --json)', async () => {
    exec.on(['flyctl', 'secrets', 'list'], {
      stdout: secretsJson(Object.fromEntries(REQUIRED.map((n) => [n, 'Staged' as Status]))),
    });
    const table = await secrets(['staging', 'list']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^DATABASE_URL +[0-9a-f]{16} +Unknown +required$/m);
    expect(table.stdout).not.toContain('Staged');
    expect(table.stderr).toContain('deployment status unknown: flyctl shows every secret as Staged');
    const json = await secrets(['staging', 'list', '--json']);
    const doc = JSON.parse(json.stdout) as { staged: string[] | null; secrets: Array<{ status: string }> };
    expect(doc.staged).toBeNull();
    expect(doc.secrets.map((s) => s.status)).toEqual(['Unknown', 'Unknown', 'Unknown', 'Unknown']);
  });

  it('--json: one document on stdout with what is staged and the required names that are missing', async () => {
    exec.on(['flyctl', 'secrets', 'list'], {
      stdout: secretsJson({ SUPABASE_URL: 'Deployed', SUPABASE_ANON_KEY: 'Staged', SUPABASE_SERVICE_KEY: 'Deployed' }),
    });
    const result = await secrets(['production', 'list', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([list(PRODUCTION)]);
    expect(JSON.parse(result.stdout)).toEqual({
      environment: 'production',
      app: PRODUCTION,
      secrets: [
        {
          name: 'SUPABASE_URL',
          digest: '0ce1f2a3b4c5d6e7',
          status: 'Deployed',
          updatedAt: null,
          required: true,
          known: true,
        },
        {
          name: 'SUPABASE_ANON_KEY',
          digest: '11e1f2a3b4c5d6e7',
          status: 'Staged',
          updatedAt: null,
          required: true,
          known: true,
        },
        {
          name: 'SUPABASE_SERVICE_KEY',
          digest: '14e1f2a3b4c5d6e7',
          status: 'Deployed',
          updatedAt: null,
          required: true,
          known: true,
        },
      ],
      missingRequired: ['DATABASE_URL'],
      staged: ['SUPABASE_ANON_KEY'],
    });
  });

  it('flyctl fails (app missing): exit 3 with the fix', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { exitCode: 1, stderr: 'Error: Could not find App\n' });
    exec.on(APPS, { stdout: '[]' });
    const result = await secrets(['staging', 'list']);
    expect(result.code).toBe(3);
    expect(exec.argv()).toEqual([list(STAGING), WHOAMI, APPS]);
    expect(result.stderr).toContain('npx just fly-setup staging');
  });
});

describe('check', () => {
  it('exit 0 when every required secret is set; flags the ones known to be staged', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson({ ...deployed(), SUPABASE_URL: 'Staged' }) });
    const result = await secrets(['staging', 'check']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([list(STAGING)]);
    expect(result.stderr).toContain(`✓ all 4 required secrets are set on ${STAGING}`);
    expect(result.stderr).toContain('warning: staged but not deployed yet: SUPABASE_URL');
  });

  it('every secret Staged: says the staged state is unknown instead of claiming they wait', async () => {
    exec.on(['flyctl', 'secrets', 'list'], {
      stdout: secretsJson(Object.fromEntries(REQUIRED.map((n) => [n, 'Staged' as Status]))),
    });
    const result = await secrets(['staging', 'check']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('staged but not deployed');
    expect(result.stderr).toContain('whether any of them is staged is unknown');
  });

  it('exit 3 naming the missing secrets and the command that sets them', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson({ SUPABASE_URL: 'Deployed' }) });
    const result = await secrets(['staging', 'check']);
    expect(result.code).toBe(3);
    expect(exec.argv()).toEqual([list(STAGING)]);
    expect(result.stderr).toContain(
      `error: required secrets missing on ${STAGING}: DATABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY`,
    );
    expect(result.stderr).toContain('npx just secrets staging set');
  });
});

describe('diff', () => {
  it('names only in the file, only on Fly, in both; values never compared or shown', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson(deployed('REDIS_URL')) });
    const file = envFile([
      ...FILE_LINES.slice(0, 2),
      'JWT_SECRET=only-in-file-value-42',
      'jwt_secret=x',
      'SENTRY_DSN=',
    ]);
    const result = await secrets(['staging', 'diff', '--file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([list(STAGING)]);
    expect(result.stdout).toBe(
      [
        `only in ${file} (\`set\` would add them): 2`,
        '  JWT_SECRET',
        '  jwt_secret',
        `only on ${STAGING} (not in ${file}): 3`,
        '  REDIS_URL',
        '  SUPABASE_ANON_KEY',
        '  SUPABASE_SERVICE_KEY',
        'in both (values not compared: Fly keeps only digests that cannot be recomputed locally): 2',
        '  DATABASE_URL',
        '  SUPABASE_URL',
        '',
      ].join('\n'),
    );
    expect(result.stderr).toContain(`empty or <placeholder> in ${file}, not counted: SENTRY_DSN`);
    expect(result.stderr).toContain(
      'warning: names differ only in case from what the API reads: jwt_secret (the API reads JWT_SECRET)',
    );
    expectNoValueIn(result.all, [...allValues, 'only-in-file-value-42']);
  });

  it('a file with format problems: exit 2 listing them, nothing called', async () => {
    const file = envFile(['A=1', 'not a line']);
    const result = await secrets(['staging', 'diff', '--file', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${file}:2: not a NAME=VALUE line`);
    expect(exec.calls).toEqual([]);
  });
});

describe('unset', () => {
  it('refuses a required secret without --force (exit 3) before any call', async () => {
    const result = await secrets(['staging', 'unset', 'DATABASE_URL', 'JWT_SECRET']);
    expect(result.code).toBe(3);
    expect(exec.calls).toEqual([]);
    expect(result.stderr).toContain('error: refusing to unset DATABASE_URL: the API cannot start without it');
  });

  it('with --force --stage: reads, then unsets only the names that are set', async () => {
    const result = await secrets(['staging', 'unset', 'DATABASE_URL', 'NOT_THERE', '--force', '--stage']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([
      list(STAGING),
      ...locked('staging', ['flyctl', 'secrets', 'unset', 'DATABASE_URL', '--app', STAGING, '--stage']),
    ]);
    expect(result.stderr).toContain(`warning: not set on ${STAGING}, nothing to remove: NOT_THERE`);
    expect(result.stdout).toBe('DATABASE_URL\n');
  });

  it('none of the names is set: no mutating call', async () => {
    const result = await secrets(['staging', 'unset', 'REDIS_URL']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([list(STAGING)]);
  });

  it('production: refused without --yes (exit 3) after only the read', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson(deployed('REDIS_URL')) });
    const result = await secrets(['production', 'unset', 'REDIS_URL']);
    expect(result.code).toBe(3);
    expect(exec.argv()).toEqual([list(PRODUCTION)]);
    expect(result.stderr).toContain('error: refusing to unset 1 secret without confirmation');
  });

  it('the unset fails: exit 1 with flyctl’s error', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson(deployed('REDIS_URL')) });
    exec.on(['flyctl', 'secrets', 'unset'], { exitCode: 1, stderr: 'Error: update secrets: boom\n' });
    const result = await secrets(['staging', 'unset', 'REDIS_URL']);
    expect(result.code).toBe(1);
    expect(exec.argv()).toEqual([
      list(STAGING),
      ...locked('staging', ['flyctl', 'secrets', 'unset', 'REDIS_URL', '--app', STAGING]),
      WHOAMI,
      APPS,
    ]);
    expect(result.stderr).toContain('Error: update secrets: boom');
  });
});

describe('deploy', () => {
  it('nothing staged: a no-op that says so (no secrets deploy, no restart)', async () => {
    const result = await secrets(['production', 'deploy']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([list(PRODUCTION)]);
    expect(result.stderr).toContain(`✓ nothing is staged on ${PRODUCTION}: nothing to deploy, no machine restarted`);
  });

  it('staged secrets: reads, then one secrets deploy', async () => {
    exec.on(['flyctl', 'secrets', 'list'], {
      stdout: secretsJson({ ...deployed(), JWT_SECRET: 'Staged', REDIS_URL: 'Partial' }),
    });
    const result = await secrets(['staging', 'deploy']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([
      list(STAGING),
      ...locked('staging', ['flyctl', 'secrets', 'deploy', '--app', STAGING]),
    ]);
    expect(result.stderr).toContain(`staged on ${STAGING}: JWT_SECRET, REDIS_URL`);
    expect(result.stderr).toContain(`✓ staged secrets applied on ${STAGING}: 2 secrets`);
  });

  it('status unknown (every secret Staged): deploys, saying why it cannot tell', async () => {
    exec.on(['flyctl', 'secrets', 'list'], {
      stdout: secretsJson(Object.fromEntries(REQUIRED.map((n) => [n, 'Staged' as Status]))),
    });
    const result = await secrets(['staging', 'deploy']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([
      list(STAGING),
      ...locked('staging', ['flyctl', 'secrets', 'deploy', '--app', STAGING]),
    ]);
    expect(result.stderr).toContain('which secrets are staged is unknown (flyctl shows every secret as Staged');
  });

  it('production: refused without --yes after the read (exit 3); deploys with --yes', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson({ ...deployed(), JWT_SECRET: 'Staged' }) });
    const refused = await secrets(['production', 'deploy']);
    expect(refused.code).toBe(3);
    expect(exec.argv()).toEqual([list(PRODUCTION)]);
    const done = await secrets(['production', 'deploy', '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(exec.argv().slice(1)).toEqual([
      list(PRODUCTION),
      ...locked('production', ['flyctl', 'secrets', 'deploy', '--app', PRODUCTION]),
    ]);
  });

  it('--dry-run: reads, prints the deploy it would run', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson({ ...deployed(), JWT_SECRET: 'Staged' }) });
    const result = await secrets(['staging', 'deploy', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(exec.argv()).toEqual([list(STAGING), ...checkLockArgv('staging')]);
    expect(result.stdout).toContain(`$ flyctl secrets deploy --app ${STAGING}`);
  });

  it('flyctl refuses (no machines): exit 1 with its error', async () => {
    exec.on(['flyctl', 'secrets', 'list'], { stdout: secretsJson({ ...deployed(), JWT_SECRET: 'Staged' }) });
    exec.on(['flyctl', 'secrets', 'deploy'], {
      exitCode: 1,
      stderr: 'Error: no machines available to deploy\n',
    });
    const result = await secrets(['staging', 'deploy']);
    expect(result.code).toBe(1);
    expect(exec.argv()).toEqual([
      list(STAGING),
      ...locked('staging', ['flyctl', 'secrets', 'deploy', '--app', STAGING]),
      WHOAMI,
      APPS,
    ]);
    expect(result.stderr).toContain('no machines available to deploy');
  });
});

/** A stdin that says it is a terminal and answers the prompt with `answer`. */
