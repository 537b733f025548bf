/**
 * Schemas for what `flyctl … --json` prints, normalised to camelCase. flyctl adds fields over
 * time, so objects are parsed loosely (extra keys ignored) but the fields we use are checked.
 */
import type { z as Z } from 'zod';
import { zod } from '../core/deferred.ts';
import { OperationFailed } from '../core/errors.ts';

// The one copy of zod the toolkit loads (lib/core/deferred.ts); this module itself is imported
// when the first flyctl answer is read (lib/fly/client.ts), never at start-up.
const { z } = zod();

const WhoamiSchema = z.object({ email: z.string() });

const AppSchema = z
  .object({
    Name: z.string(),
    Status: z.string().optional().nullable(),
    Deployed: z.boolean().optional().nullable(),
    Hostname: z.string().optional().nullable(),
    Organization: z.object({ Slug: z.string().optional(), Name: z.string().optional() }).optional().nullable(),
  })
  .transform((a) => ({
    name: a.Name,
    status: a.Status ?? null,
    deployed: a.Deployed ?? null,
    hostname: a.Hostname ?? null,
    org: a.Organization?.Slug ?? null,
  }));
export type FlyApp = Z.output<typeof AppSchema>;

const ReleaseSchema = z
  .object({
    ID: z.string().optional(),
    Version: z.number().int(),
    Status: z.string(),
    Description: z.string().optional().nullable(),
    ImageRef: z.string().optional().nullable(),
    CreatedAt: z.string().optional().nullable(),
    User: z
      .object({ Name: z.string().optional().nullable(), Email: z.string().optional().nullable() })
      .optional()
      .nullable(),
  })
  .transform((r) => ({
    id: r.ID ?? null,
    version: r.Version,
    status: r.Status,
    description: r.Description ?? '',
    imageRef: r.ImageRef || null,
    createdAt: r.CreatedAt ?? null,
    user: r.User?.Email || r.User?.Name || null,
  }));
export type FlyRelease = Z.output<typeof ReleaseSchema>;

export type SecretStatus = 'Deployed' | 'Staged' | 'Partial' | 'Unknown';

// `secrets list --json` has had three shapes (old PascalCase, mid snake_case, new with status).
const SecretOld = z.object({ Name: z.string(), Digest: z.string().optional(), CreatedAt: z.string().optional() });
const SecretNew = z.object({
  name: z.string(),
  digest: z.string().optional(),
  status: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
const SecretSchema = z.union([SecretNew, SecretOld]).transform((s) => {
  if ('Name' in s) return { name: s.Name, digest: s.Digest ?? null, status: null, updatedAt: s.CreatedAt ?? null };
  const status =
    s.status && ['Deployed', 'Staged', 'Partial', 'Unknown'].includes(s.status)
      ? (s.status as SecretStatus)
      : s.status
        ? 'Unknown'
        : null;
  return { name: s.name, digest: s.digest ?? null, status, updatedAt: s.updated_at ?? s.created_at ?? null };
});
export type FlySecret = { name: string; digest: string | null; status: SecretStatus | null; updatedAt: string | null };

// fly-go's MachineCheckStatus: every field is omitempty, so name and status may be absent.
const CheckSchema = z.object({
  name: z.string().optional().nullable(),
  status: z.string().optional().nullable(),
  output: z.string().optional().nullable(),
});
const MachineSchema = z
  .object({
    id: z.string(),
    name: z.string().optional().nullable(),
    state: z.string(),
    region: z.string().optional().nullable(),
    image_ref: z
      .object({
        registry: z.string().optional(),
        repository: z.string().optional(),
        tag: z.string().optional(),
        digest: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional().nullable(),
      })
      .optional()
      .nullable(),
    version: z.union([z.number(), z.string()]).optional().nullable(),
    checks: z.array(CheckSchema).optional().nullable(),
  })
  .transform((m) => ({
    id: m.id,
    name: m.name ?? null,
    state: m.state,
    region: m.region ?? null,
    image: m.image_ref ? imageName(m.image_ref) : null,
    digest: m.image_ref?.digest || null,
    labels: m.image_ref?.labels ?? {},
    checks: (m.checks ?? []).map((c) => ({ name: c.name || null, status: c.status || null, output: c.output ?? '' })),
  }));
export type FlyMachine = Z.output<typeof MachineSchema>;

const StatusSchema = z
  .object({
    Name: z.string(),
    Status: z.string().optional().nullable(),
    Version: z.number().optional().nullable(),
    Hostname: z.string().optional().nullable(),
    Deployed: z.boolean().optional().nullable(),
    Organization: z.object({ Slug: z.string().optional().nullable() }).optional().nullable(),
    Machines: z.array(MachineSchema).optional().nullable(),
  })
  .transform((s) => ({
    name: s.Name,
    status: s.Status ?? null,
    version: s.Version ?? null,
    hostname: s.Hostname ?? null,
    deployed: s.Deployed ?? null,
    org: s.Organization?.Slug ?? null,
    machines: s.Machines ?? [],
  }));
export type FlyStatus = Z.output<typeof StatusSchema>;

const VolumeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    state: z.string().optional().nullable(),
    size_gb: z.number(),
    region: z.string(),
    attached_machine_id: z.string().optional().nullable(),
  })
  .transform((v) => ({
    id: v.id,
    name: v.name,
    state: v.state ?? null,
    sizeGb: v.size_gb,
    region: v.region,
    attachedMachineId: v.attached_machine_id || null,
  }));
export type FlyVolume = Z.output<typeof VolumeSchema>;

/** The line `flyctl deploy` prints with FLY_EMIT_RELEASE_JSON=1. */
const ReleaseLineSchema = z
  .object({ id: z.string().optional(), version: z.number().int(), image_ref: z.string().optional() })
  .transform((r) => ({ id: r.id ?? null, version: r.version, imageRef: r.image_ref ?? null }));
export type DeployedRelease = Z.output<typeof ReleaseLineSchema>;

function imageName(ref: {
  registry?: string | undefined;
  repository?: string | undefined;
  tag?: string | undefined;
  digest?: string | undefined;
}): string {
  const base = [ref.registry, ref.repository].filter(Boolean).join('/');
  if (ref.tag) return `${base}:${ref.tag}`;
  if (ref.digest) return `${base}@${ref.digest}`;
  return base;
}

function parseOutput<S extends Z.ZodType>(schema: S, text: string, what: string): Z.output<S> {
  let data: unknown;
  try {
    data = JSON.parse(text.trim() || 'null');
  } catch {
    throw new OperationFailed(`${what} did not print JSON`, {
      hint: 'check the flyctl version (flyctl version) and update it',
    });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new OperationFailed(`${what} printed unexpected JSON${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export const parseWhoami = (text: string) => parseOutput(WhoamiSchema, text, 'flyctl auth whoami');
export const parseApps = (text: string): FlyApp[] =>
  parseOutput(z.array(AppSchema).nullable(), text, 'flyctl apps list') ?? [];
export const parseReleases = (text: string): FlyRelease[] =>
  parseOutput(z.array(ReleaseSchema).nullable(), text, 'flyctl releases') ?? [];
export const parseSecrets = (text: string): FlySecret[] =>
  parseOutput(z.array(SecretSchema).nullable(), text, 'flyctl secrets list') ?? [];
export const parseStatus = (text: string): FlyStatus => parseOutput(StatusSchema, text, 'flyctl status');
export const parseVolumes = (text: string): FlyVolume[] =>
  parseOutput(z.array(VolumeSchema).nullable(), text, 'flyctl volumes list') ?? [];

/** Finds the release JSON line among deploy's stdout lines; null when flyctl did not print one. */
export function findDeployedRelease(stdout: string): DeployedRelease | null {
  for (const line of stdout.split(/\r?\n/).reverse()) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const parsed = ReleaseLineSchema.safeParse(JSON.parse(trimmed));
      if (parsed.success) return parsed.data;
    } catch {
      // a log line that merely starts with "{"
    }
  }
  return null;
}
