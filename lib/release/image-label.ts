/**
 * Which commit an image was built from, read off the image reference itself: every image the
 * toolkit builds is labelled `git-<full sha>` (`flyctl deploy --image-label`), so the label
 * travels with the image when it is promoted to another app (its ref keeps the staging
 * registry path) or rolled back to, and any reader with only `flyctl` sees the commit.
 */

/** The image label for a build of `commit` (a full 40-hex sha). */
export function commitLabel(commit: string): string {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`commitLabel: expected a full commit sha, got "${commit}"`);
  return `git-${commit}`;
}

/** The commit named by an image's `git-<sha>` tag, or null (a digest-only ref, another label). */
export function commitOfImage(ref: string | null | undefined): string | null {
  if (!ref) return null;
  const beforeDigest = ref.split('@')[0] ?? '';
  const lastSlash = beforeDigest.lastIndexOf('/');
  const colon = beforeDigest.indexOf(':', lastSlash + 1);
  if (colon === -1) return null;
  const match = /^git-([0-9a-f]{40})$/.exec(beforeDigest.slice(colon + 1));
  return match ? match[1]! : null;
}
