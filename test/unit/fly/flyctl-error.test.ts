import { describe, expect, it } from 'vitest';
import { secrets } from '../../../lib/core/redact.ts';
import { CommandFailed, Runner } from '../../../lib/core/runner.ts';
import * as flyctl from '../../../lib/commands/flyctl.ts';
import { flyctlError, flyctlFailureMessage, runFlyctl } from '../../../lib/fly/flyctl-error.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { recordingExec } from '../../helpers/recording-exec.ts';

describe("flyctlError: flyctl's error whole, on one line", () => {
  it('the Error line and the description and suggestion flyctl prints after it', () => {
    const stderr =
      "==> Verifying app config\nError: no machines available to deploy\n'fly secrets deploy' will only work if the app has been deployed and there are machines available\n\nTry 'fly deploy' first\n\n";
    expect(flyctlError(stderr)).toBe(
      "no machines available to deploy | 'fly secrets deploy' will only work if the app has been deployed and there are machines available | Try 'fly deploy' first",
    );
    expect(
      flyctlError(
        [
          '==> Verifying app config',
          'Error: timeout reached waiting for machine 1857 to start: context deadline exceeded',
          '',
          'You can try increasing the timeout with the --wait-timeout flag',
        ].join('\n'),
      ),
    ).toBe(
      'timeout reached waiting for machine 1857 to start: context deadline exceeded | You can try increasing the timeout with the --wait-timeout flag',
    );
  });

  it('a config validation failure keeps its reasons (between "Validating" and ✘), not just "not valid"', () => {
    const output =
      "Validating /srv/fly.toml\nunsupported deployment strategy 'sideways'; Apps v2 supports the following strategies: canary, rolling, immediate, bluegreen\n   ✘invalid app configuration\nError: App configuration is not valid\n";
    expect(flyctlError(output)).toBe(
      "App configuration is not valid: unsupported deployment strategy 'sideways'; Apps v2 supports the following strategies: canary, rolling, immediate, bluegreen; ✘invalid app configuration",
    );
    // the reasons on stdout (the config's strategy), the error on stderr
    const [stdout, stderr] = output.split('Error: ');
    expect(flyctlError(`Error: ${stderr}`, `==> Verifying app config\n${stdout}`)).toBe(flyctlError(output));
  });

  it('adds the ✘ reasons from stdout and stderr; without a "Validating" line only the ✘ lines, not the progress', () => {
    expect(
      flyctlError(
        '==> Building\n✘ canary deployment strategy is not supported when using mounted volumes\nError: App configuration is not valid\n',
        'Validating fly.toml\n✘ unsupported deployment strategy "fast"\n',
      ),
    ).toBe(
      'App configuration is not valid: ✘ unsupported deployment strategy "fast"; ✘ canary deployment strategy is not supported when using mounted volumes',
    );
  });

  it('progress before the error is left out; no Error line: the last lines; no output says so', () => {
    expect(flyctlError('==> Building image\n--> Pushing image done\nError: boom\n')).toBe('boom');
    expect(flyctlError('panic: x\n\ngoroutine 1\n')).toBe('panic: x | goroutine 1');
    expect(flyctlError('building\nsegmentation fault\n')).toBe('building | segmentation fault');
    expect(flyctlError('', 'only on stdout\n')).toBe('only on stdout');
    expect(flyctlError('')).toBe('no output');
    expect(flyctlError('Error: boom\n', '', { keepErrorPrefix: true })).toBe('Error: boom');
  });

  it('masks secrets, then escapes control characters, and trims a very long error to 500 chars', () => {
    secrets.add('fm2_flyctl_error_secret_0042');
    expect(flyctlError('Error: bad token fm2_flyctl_error_secret_0042\n')).toBe('bad token ***');
    expect(flyctlError('Error: bad \u001b[2Kthing\n')).toBe('bad \\x1b[2Kthing');
    const long = flyctlError(`Error: ${'x'.repeat(2000)}\n`);
    expect(long.length).toBe(500);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('flyctlFailureMessage and runFlyctl: a failed flyctl call, worded once', () => {
  const run = (answer: Parameters<ReturnType<typeof recordingExec>['on']>[1]) => {
    const exec = recordingExec().on(['flyctl'], answer);
    const runner = new Runner({ output: captureOutput().out, env: {}, exec });
    return runFlyctl(runner, flyctl.secretsDeploy('kotadb-api')).catch((e: unknown) => e);
  };

  it("the command, its exit code and flyctl's error whole (Error: kept); the result stays intact", async () => {
    const stderr = "Error: no machines available to deploy\nTry 'fly deploy' first\n";
    const error = await run({ exitCode: 1, stderr: `==> progress\n${stderr}` });
    expect(error).toBeInstanceOf(CommandFailed);
    expect((error as CommandFailed).message).toBe(
      "flyctl secrets deploy --app kotadb-api failed (exit 1): Error: no machines available to deploy | Try 'fly deploy' first",
    );
    expect((error as CommandFailed).result.stderr).toBe(`==> progress\n${stderr}`);
  });

  it('a signal, not the last line it cut off, is what ended it', async () => {
    const error = await run({ signal: 'SIGKILL', stderr: 'Error: half-written\n' });
    expect((error as CommandFailed).message).toBe('flyctl secrets deploy --app kotadb-api was killed by SIGKILL');
    expect(flyctlFailureMessage((error as CommandFailed).result)).toBe((error as CommandFailed).message);
  });
});
