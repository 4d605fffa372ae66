# Souk tasks. The two commands that matter need only cargo:
#   cargo run --release -p souk-server    and    cargo test --workspace

pg_url := env_var_or_default("SOUK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# Serve the API on the embedded SQLite database (Swagger UI at http://127.0.0.1:8080/docs/)
run:
    cargo run --release -p souk-server

# Fill the configured database with demo data and print the demo accounts (safe to run again)
demo *args:
    cargo run -q -p souk-server -- seed --demo {{args}}

# Run every test on SQLite (PostgreSQL variants are reported as ignored)
test:
    cargo test --workspace

# Run every test on SQLite and PostgreSQL
test-pg:
    SOUK_TEST_POSTGRES_URL={{pg_url}} cargo test --workspace

# Formatting and lints, as CI checks them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Regenerate the committed OpenAPI document from the code
openapi:
    cargo run -q -p souk-server -- openapi > openapi/openapi.json

# Benchmark the release server against its HTTP and database ceilings (add --postgres URL for PostgreSQL)
bench *args:
    cargo build --release -p souk-server -p souk-bench
    target/release/souk-bench {{args}}

# Fuzz every endpoint from /openapi.json with schemathesis as admin, seller and buyer
fuzz examples="40":
    scripts/fuzz {{examples}}

# Everything CI runs
ci:
    .ci/run
