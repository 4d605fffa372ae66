//! Compiles the PostgreSQL variants of the tests as ignored ("SOUK_TEST_POSTGRES_URL is not set")
//! unless the variable is set, so `cargo test` says which tests were skipped.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(souk_postgres)");
    println!("cargo::rerun-if-env-changed=SOUK_TEST_POSTGRES_URL");
    if std::env::var("SOUK_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=souk_postgres");
    }
}
