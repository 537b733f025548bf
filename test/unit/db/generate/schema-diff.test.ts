import { describe, expect, it } from 'vitest';
import { dollarQuoteAfter, normaliseDiff, rewritePrivileges } from '../../../../lib/db/generate/schema-diff.ts';

describe('rewritePrivileges', () => {
  it.each([
    [
      'strips MAINTAIN and "postgres", keeps the GRANT',
      'GRANT DELETE, INSERT, MAINTAIN, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLE "public"."notes" TO "anon", "authenticated", "postgres", "service_role";',
      'GRANT DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLE "public"."notes" TO "anon", "authenticated", "service_role";',
    ],
    [
      'keeps PUBLIC and function signatures',
      'GRANT EXECUTE ON FUNCTION "public"."f"(uuid, text) TO PUBLIC, "anon", "authenticated", "postgres", "service_role";',
      'GRANT EXECUTE ON FUNCTION "public"."f"(uuid, text) TO PUBLIC, "anon", "authenticated", "service_role";',
    ],
    ['drops a grant only to postgres', 'GRANT SELECT ON TABLE "public"."t" TO "postgres";', null],
    ['drops a MAINTAIN-only grant', 'GRANT MAINTAIN ON TABLE "public"."t" TO "anon";', null],
    [
      'keeps a REVOKE, minus the noise',
      'REVOKE ALL ON TABLE "public"."api_keys" FROM "anon", "postgres";',
      'REVOKE ALL ON TABLE "public"."api_keys" FROM "anon";',
    ],
    [
      'keeps column lists whole',
      'GRANT SELECT (id, name), MAINTAIN ON TABLE "public"."t" TO "anon" WITH GRANT OPTION;',
      'GRANT SELECT (id, name) ON TABLE "public"."t" TO "anon" WITH GRANT OPTION;',
    ],
    [
      'default privileges',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT MAINTAIN, SELECT ON TABLES TO "anon", "postgres";',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON TABLES TO "anon";',
    ],
    [
      'leaves other statements alone',
      'CREATE INDEX i ON public.t USING btree (a);',
      'CREATE INDEX i ON public.t USING btree (a);',
    ],
  ])('%s', (_name, input, expected) => {
    expect(rewritePrivileges(input)).toBe(expected);
  });
});

describe('normaliseDiff', () => {
  it('is empty for an empty diff, or one with only SET lines and noise grants', () => {
    expect(normaliseDiff('').sql).toBe('');
    expect(normaliseDiff('\n\n').sql).toBe('');
    const onlyNoise = normaliseDiff(
      'SET local check_function_bodies = off;\n\nGRANT MAINTAIN ON TABLE "public"."t" TO "postgres";\n',
    );
    expect(onlyNoise.sql).toBe('');
    expect(onlyNoise.dropped).toHaveLength(1);
  });

  it('rewrites privilege lines, keeps everything else byte for byte (function bodies too), flags REVOKEs', () => {
    const body =
      'CREATE OR REPLACE FUNCTION public.f()\n  RETURNS int\n  LANGUAGE sql\n  AS $function$\nselect 1\n\n\nGRANT SELECT ON TABLE x TO "postgres";\n$function$;';
    const raw = [
      'SET local check_function_bodies = off;',
      '',
      'REVOKE ALL ON TABLE "public"."api_keys" FROM "anon";',
      '',
      body,
      '',
      'GRANT MAINTAIN ON TABLE "public"."t" TO "postgres";',
      '',
      'GRANT SELECT, MAINTAIN ON TABLE "public"."t" TO "anon", "postgres";',
      '',
    ].join('\n');
    const result = normaliseDiff(raw);
    expect(result.sql).toBe(
      [
        'SET local check_function_bodies = off;',
        '',
        'REVOKE ALL ON TABLE "public"."api_keys" FROM "anon";',
        '',
        body,
        '',
        'GRANT SELECT ON TABLE "public"."t" TO "anon";',
        '',
      ].join('\n'),
    );
    expect(result.revokes).toEqual(['REVOKE ALL ON TABLE "public"."api_keys" FROM "anon";']);
    expect(result.dropped).toEqual(['GRANT MAINTAIN ON TABLE "public"."t" TO "postgres";']);
  });
});

describe('dollarQuoteAfter', () => {
  it.each([
    ['AS $function$', null, '$function$'],
    ['$function$;', '$function$', null],
    ['select $x$a$x$', null, null],
    ['inner $$ not mine', '$body$', '$body$'],
    ['where a = $1', null, null],
  ])('%s (open: %s) -> %s', (line, open, expected) => {
    expect(dollarQuoteAfter(line, open)).toBe(expected);
  });
});
