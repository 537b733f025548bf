# kotadb-ops recipes. Every recipe is a quiet alias of `node --import tsx scripts/<name>.ts …` (the
# same command the npm scripts and CI run): arguments go to the script unchecked, so a missing or
# wrong one gets the script's own one-line error and exit code, and just adds nothing to the output.
# `npx just --list` shows them all.

set positional-arguments := true

# List the recipes
default:
    @npx just --list --unsorted

# Validate fly.toml and fly.staging.toml against the environment table
[no-exit-message]
check *args:
    @node --import tsx scripts/check-config.ts "$@"

# Deploy to staging|production: preflight, deploy, health, smoke, rollback on failure
[no-exit-message]
deploy *args:
    @node --import tsx scripts/deploy-fly.ts "$@"

# Build and push the service checkout's image labelled git-<sha> (deploy --build-only): nothing deployed
[no-exit-message]
build *args:
    @node --import tsx scripts/deploy-fly.ts --build-only "$@"

# Promote the image staging serves to production: checks staging, its commit on main, then deploys it
[no-exit-message]
promote *args:
    @node --import tsx scripts/promote.ts "$@"

# Roll staging|production back to an earlier release image (--list to see them)
[no-exit-message]
rollback *args:
    @node --import tsx scripts/rollback.ts "$@"

# Show or release the deploy lock of staging|production: status|release [--force]
[no-exit-message]
lock *args:
    @node --import tsx scripts/lock.ts "$@"

# Manage Fly secrets from .env.<env>: set|list|unset|check|diff|deploy
[no-exit-message]
secrets *args:
    @node --import tsx scripts/fly-secrets.ts "$@"

# Create the Fly app and volumes for staging|production if missing (idempotent)
[no-exit-message]
fly-setup *args:
    @node --import tsx scripts/fly-setup.ts "$@"

# What runs where: serving release, image, commit, health, machines, secrets, migrations [staging|production]
[no-exit-message]
status *args:
    @node --import tsx scripts/status.ts "$@"

# Check everything a deploy depends on and print a checklist with fixes
[no-exit-message]
doctor *args:
    @node --import tsx scripts/doctor.ts "$@"

# (Re)create the local database: bootstrap, every migration, seed (no Docker)
[no-exit-message]
supabase-reset *args:
    @node --import tsx scripts/supabase-reset.ts "$@"

# Create a new migration from changes made in the local dev database
[no-exit-message]
supabase-generate *args:
    @node --import tsx scripts/supabase-generate.ts "$@"

# Apply pending migrations to a database (URL, SUPABASE_DB_URL or --env)
[no-exit-message]
supabase-apply *args:
    @node --import tsx scripts/supabase-apply.ts "$@"

# Lint migrations for what can lock or break production (default: those not yet on origin/main)
[no-exit-message]
supabase-lint *args:
    @node --import tsx scripts/supabase-lint.ts "$@"

# Start the local PostgreSQL (kept running in the background)
[no-exit-message]
db-start *args:
    @node --import tsx scripts/local-db.ts start "$@"

# Stop the local PostgreSQL
[no-exit-message]
db-stop *args:
    @node --import tsx scripts/local-db.ts stop "$@"

# Say whether the local PostgreSQL runs, and at which URL
[no-exit-message]
db-status *args:
    @node --import tsx scripts/local-db.ts status "$@"

# Stream staging|production logs (--no-tail: recent lines and exit; --lines N: the last N)
[no-exit-message]
logs *args:
    @node --import tsx scripts/fly.ts logs "$@"

# Show the app's machines, their state and health checks (flyctl status)
[no-exit-message]
machines *args:
    @node --import tsx scripts/fly.ts machines "$@"

# List the app's releases, newest first (flyctl releases)
[no-exit-message]
releases *args:
    @node --import tsx scripts/fly.ts releases "$@"

# Open a shell on one of the app's machines (flyctl ssh console)
[no-exit-message]
ssh *args:
    @node --import tsx scripts/fly.ts ssh "$@"

# Set every machine's memory in MB, until the next deploy (production asks first)
[no-exit-message]
scale-memory *args:
    @node --import tsx scripts/fly.ts scale-memory "$@"

# List the app's TLS certificates (flyctl certs list)
[no-exit-message]
certs *args:
    @node --import tsx scripts/fly.ts certs "$@"

# Open the app in a browser (flyctl apps open)
[no-exit-message]
open *args:
    @node --import tsx scripts/fly.ts open "$@"

# Run the test suite
[no-exit-message]
test *args:
    @npx vitest run "$@"

# Type-check the whole project
[no-exit-message]
typecheck:
    @npx tsc --noEmit
