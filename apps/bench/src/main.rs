//! `souk-bench`: seeds a realistic marketplace on a fresh database, serves it with the release
//! server, drives each scenario at fixed concurrencies, measures the HTTP ceiling (a static JSON
//! route of the same stack) and the database ceiling (the scenario's SQL straight through the
//! driver) in the same run, and writes one table as Markdown and JSON under `bench/results/`.
#![allow(clippy::print_stderr, reason = "a command-line tool reports its progress on stderr")]

mod ceiling;
mod load;
mod report;
mod scenarios;
mod seed;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(name = "souk-bench", about = "Benchmark Souk against its HTTP and database ceilings")]
struct Options {
    /// Run on PostgreSQL: a server URL (a fresh database is created on it and dropped afterwards).
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Seconds each scenario runs at each concurrency.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Connections per run, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    concurrency: Vec<usize>,
    /// Only these scenarios (names as printed), comma separated.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Products to seed (buyers, sellers and orders scale with it).
    #[arg(long, default_value_t = 100_000)]
    products: usize,
    /// The server binary (default: `souk` beside this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Where results go.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Keep the SQLite database and the server's files in this folder (default: a temporary one).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    if let Some(&too_many) = options.concurrency.iter().find(|&&c| c == 0 || c > seed::SIGNED_IN) {
        anyhow::bail!(
            "--concurrency {too_many}: each connection signs in as its own account, 1..={}",
            seed::SIGNED_IN
        );
    }
    if options.products < 1000 {
        anyhow::bail!("--products must be at least 1000");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> anyhow::Result<()> {
    let temporary = tempfile::tempdir()?;
    let data = match &options.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.canonicalize()?
        }
        None => temporary.path().to_owned(),
    };
    let database = match &options.postgres {
        Some(url) => server::Database::fresh_postgres(url).await?,
        None => server::Database::sqlite(&data),
    };
    let result = bench(&options, &database, &data).await;
    database.drop_if_postgres().await;
    result
}

async fn bench(options: &Options, database: &server::Database, data: &std::path::Path) -> anyhow::Result<()> {
    let scale = seed::Scale::for_products(options.products);
    eprintln!("seeding {scale} on {} ...", database.backend());
    let seeded = std::sync::Arc::new(seed::seed(&database.url, &scale).await.context("seeding")?);
    eprintln!("seeded in {:.1} s", seeded.elapsed.as_secs_f64());
    let binary = match &options.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("souk"),
    };
    let served = server::Served::start(&binary, &database.url, data).await?;
    eprintln!("server pid {} at {}", served.pid(), served.base);
    let fixtures = scenarios::Fixtures::prepare(&served.base, &seeded).await?;
    let ceilings = ceiling::Driver::connect(&database.url).await?;
    let plan = load::Plan {
        duration: Duration::from_secs(options.seconds),
        concurrency: options.concurrency.clone(),
    };
    let mut rows = Vec::new();
    for scenario in scenarios::all() {
        if !options.only.is_empty() && !options.only.iter().any(|name| name == scenario.name) {
            continue;
        }
        fixtures.refresh_tokens().await?;
        for &connections in &plan.concurrency {
            let row =
                report::measure(&scenario, connections, &plan, &served, &fixtures, &ceilings, &seeded).await;
            eprintln!("{}", row.line());
            rows.push(row);
        }
    }
    drop(served);
    let report = report::Report::new(database.backend(), &scale, seeded.elapsed, options.seconds, rows);
    println!("{}", report.markdown());
    let written = report.write(&options.out)?;
    eprintln!("results written to {}", written.display());
    Ok(())
}
