/**
 * Which host names mean "this machine, over the loopback interface". One set for the whole
 * toolkit: what supabase-reset may wipe, which database gets TLS switched off, which URLs
 * name the same local server. Deliberately narrow (127.0.0.2 or the machine's own host name
 * are not in it): a host outside the set is treated as remote, which is the safe side.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

/** `localhost`, `127.0.0.1` or `::1` (also spelled `[::1]`, as in a URL), in any case. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return LOOPBACK_HOSTS.has(bare.toLowerCase());
}
