# kotadb-ops recipes. Every recipe is a thin alias of `node --import tsx scripts/<name>.ts …`
# (the same command npm scripts and CI run). `npx just --list` shows them all.

set positional-arguments := true

node := "node --import tsx"

# List the recipes
default:
    @just --list --unsorted

# Validate fly.toml and fly.staging.toml against the environment table
check *args:
    {{node}} scripts/check-config.ts "$@"

# Deploy to staging|production: preflight, deploy, health, smoke, rollback on failure
deploy env *args:
    {{node}} scripts/deploy-fly.ts "$@"

# Roll staging|production back to an earlier release image (--list to see them)
rollback env *args:
    {{node}} scripts/rollback.ts "$@"

# Manage Fly secrets from .env.<env>: set|list|unset|check|diff|deploy
secrets env action *args:
    {{node}} scripts/fly-secrets.ts "$@"

# Create a new migration from changes made in the local dev database
supabase-generate name *args:
    {{node}} scripts/supabase-generate.ts "$@"

# (Re)create the local database: bootstrap, every migration, seed (no Docker)
supabase-reset *args:
    {{node}} scripts/supabase-reset.ts "$@"

# Apply pending migrations to a database (URL, SUPABASE_DB_URL or --env)
supabase-apply *args:
    {{node}} scripts/supabase-apply.ts "$@"

# Start the local PostgreSQL (kept running in the background)
db-start *args:
    {{node}} scripts/local-db.ts start "$@"

# Stop the local PostgreSQL
db-stop *args:
    {{node}} scripts/local-db.ts stop "$@"

# Say whether the local PostgreSQL runs, and at which URL
db-status *args:
    {{node}} scripts/local-db.ts status "$@"

# Create the Fly app and volume for staging|production if missing (idempotent)
fly-setup env *args:
    {{node}} scripts/fly-setup.ts "$@"

# Check everything a deploy depends on and print a checklist with fixes
doctor env *args:
    {{node}} scripts/doctor.ts "$@"

# Stream staging|production logs (--no-tail: recent lines and exit; --lines N: the last N)
logs env *args:
    {{node}} scripts/fly.ts logs "$@"

# Show the app's machines, their state and health checks (flyctl status)
status env *args:
    {{node}} scripts/fly.ts status "$@"

# List the app's releases, newest first (flyctl releases)
releases env *args:
    {{node}} scripts/fly.ts releases "$@"

# Open a shell on one of the app's machines (flyctl ssh console)
ssh env *args:
    {{node}} scripts/fly.ts ssh "$@"

# Set every machine's memory in MB, until the next deploy (production asks first)
scale-memory env mb *args:
    {{node}} scripts/fly.ts scale-memory "$@"

# List the app's TLS certificates (flyctl certs list)
certs env *args:
    {{node}} scripts/fly.ts certs "$@"

# Open the app in a browser (flyctl apps open)
open env *args:
    {{node}} scripts/fly.ts open "$@"

# Run the test suite
test *args:
    npx vitest run "$@"

# Type-check the whole project
typecheck:
    npx tsc --noEmit
