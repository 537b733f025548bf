/**
 * The dependency direction of lib/ (docs/ARCHITECTURE.md): a module may import its own folder
 * and folders of a lower layer only. core knows nothing of the toolkit's domains; commands
 * build argv from plain values; the domains (fly, db, secrets) do not reach up into the
 * release or doctor logic; nothing in lib/ imports a script.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../lib/core/paths.ts';

const LAYERS: Record<string, number> = {
  core: 0,
  config: 1,
  commands: 2,
  db: 3,
  fly: 3,
  lock: 3,
  secrets: 4,
  release: 5,
  doctor: 6,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** `lib/db/generate/shadow.ts` -> `db`; files directly in lib/ have no folder (and must not exist). */
function folderOf(file: string): string {
  const rel = path.relative(fromRoot('lib'), file).split(path.sep);
  return rel.length > 1 ? rel[0]! : '(lib root)';
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((spec) => path.resolve(path.dirname(file), spec));
}

describe('lib/ dependency direction', () => {
  const files = sourceFiles(fromRoot('lib'));

  it('every lib/ module lives in a known folder', () => {
    const unknown = files.filter((f) => !(folderOf(f) in LAYERS)).map((f) => path.relative(fromRoot(), f));
    expect(unknown).toEqual([]);
  });

  it('imports only point to the same folder or a lower layer, never to scripts/', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const target of importsOf(file)) {
        const rel = path.relative(fromRoot(), target);
        if (!rel.startsWith(`lib${path.sep}`)) {
          violations.push(`${path.relative(fromRoot(), file)} -> ${rel}`);
          continue;
        }
        const to = folderOf(target);
        if (to === from) continue;
        if ((LAYERS[to] ?? Infinity) >= (LAYERS[from] ?? -1))
          violations.push(`${path.relative(fromRoot(), file)} (${from}) -> ${rel} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
