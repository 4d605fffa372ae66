//! `souk`: serve the API, migrate, print the OpenAPI document, create admins.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = souk_server::cli::Cli::parse();
    match souk_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {error:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
