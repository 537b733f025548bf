/**
 * Terminal-like stdin for in-process tests of the production prompt. The prompt discards keys
 * typed before it appeared (it reads them in raw mode, then leaves raw mode to read the answer),
 * so an answer must arrive after that: `answeredAtPrompt(text)` types `text` the moment the
 * prompt leaves raw mode, as a person reading the question would.
 */
import { PassThrough } from 'node:stream';
import type { ScriptIO } from '../../lib/core/script.ts';

export function answeredAtPrompt(text: string): ScriptIO['stdin'] {
  const input = new PassThrough();
  return Object.assign(input, {
    isTTY: true,
    setRawMode: (raw: boolean) => {
      if (!raw) setImmediate(() => input.write(text));
      return input;
    },
  });
}
