import { describe, expect, it } from 'vitest';
import { flyctlErrorText } from '../../../lib/fly/flyctl-error.ts';

describe('flyctlErrorText: what flyctl said, whole, in one line', () => {
  it('the Error line and the description and suggestion flyctl prints after it', () => {
    const stderr =
      "==> Verifying app config\nError: no machines available to deploy\n'fly secrets deploy' will only work if the app has been deployed and there are machines available\n\nTry 'fly deploy' first\n\n";
    expect(flyctlErrorText(stderr)).toBe(
      "no machines available to deploy 'fly secrets deploy' will only work if the app has been deployed and there are machines available Try 'fly deploy' first",
    );
  });

  it('a config validation failure keeps its reasons and the ✘ line, not just "not valid"', () => {
    const output =
      "Validating /srv/fly.toml\nunsupported deployment strategy 'sideways'; Apps v2 supports the following strategies: canary, rolling, immediate, bluegreen\n   ✘invalid app configuration\nError: App configuration is not valid\n";
    expect(flyctlErrorText(output)).toBe(
      "unsupported deployment strategy 'sideways'; Apps v2 supports the following strategies: canary, rolling, immediate, bluegreen ✘invalid app configuration App configuration is not valid",
    );
  });

  it('progress before the error is left out; no Error line: the last line; long text is cut', () => {
    expect(flyctlErrorText('==> Building image\n--> Pushing image done\nError: boom\n')).toBe('boom');
    expect(flyctlErrorText('panic: x\n\ngoroutine 1\n')).toBe('goroutine 1');
    expect(flyctlErrorText('')).toBe('no output');
    expect(flyctlErrorText(`Error: ${'x'.repeat(500)}`, { maxLength: 50 })).toHaveLength(50);
    expect(flyctlErrorText('Error: boom\n', { keepErrorPrefix: true })).toBe('Error: boom');
  });
});
