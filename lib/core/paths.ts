import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The toolkit's root folder (where package.json, fly.toml and supabase/ live). */
export const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function fromRoot(...segments: string[]): string {
  return path.join(repoRoot, ...segments);
}
