//! The `souk` command line.

use std::io::Read;

use clap::{Parser, Subcommand};
use souk_auth::NewUser;
use souk_kernel::DomainError;
use souk_storage::Database;

use crate::config::Config;
use crate::{app, logging, openapi, seed};

/// Souk: a multi-vendor marketplace API with escrow.
#[derive(Debug, Parser)]
#[command(name = "souk", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate {
        /// List migrations and whether each is applied, changing nothing.
        #[arg(long)]
        status: bool,
    },
    /// Print the OpenAPI document (the committed `openapi/openapi.json` is this output).
    Openapi,
    /// Fill the database with demo data through the marketplace rules (safe to run again).
    Seed {
        /// Create the demo marketplace: categories, sellers, a buyer, products, collections, reviews.
        #[arg(long, required = true)]
        demo: bool,
        /// Use this password for every demo account created (default: a random one each).
        #[arg(long, value_name = "P")]
        password: Option<String>,
    },
    /// Manage admin accounts.
    Admin {
        /// The admin action.
        #[command(subcommand)]
        action: AdminCommand,
    },
}

/// Admin account commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account (the password is read from standard input).
    Create {
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
        /// Username (default: the e-mail's local part).
        #[arg(long)]
        username: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// Runs the command; errors are printed by `main`.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", openapi::document_json());
            Ok(())
        }
        Command::Serve => {
            let config = load_config()?;
            let server = app::start(&config, true).await?;
            server.done.await??;
            tracing::info!("souk stopped");
            Ok(())
        }
        Command::Migrate { status } => {
            let config = load_config()?;
            ensure_data_dir(&config)?;
            if status {
                let db = Database::connect(&config.database_url, 2).await?;
                for (name, applied) in db.migration_status().await? {
                    println!("{} {name}", if applied { "applied" } else { "pending" });
                }
            } else {
                let applied = Database::migrate(&config.database_url).await?;
                println!("applied {} migration(s)", applied.len());
            }
            Ok(())
        }
        Command::Seed { demo: _, password } => {
            let config = load_config()?;
            ensure_data_dir(&config)?;
            let marketplace = app::open_marketplace(&config).await?;
            let report = seed::seed_demo(&marketplace, &config, password).await.map_err(|error| {
                let fields = error.chain().find_map(|cause| match cause.downcast_ref::<DomainError>() {
                    Some(DomainError::Validation(errors)) => Some(field_lines(errors)),
                    _ => None,
                });
                match fields {
                    Some(fields) => error.context(format!("invalid demo data:\n  {fields}")),
                    None => error,
                }
            })?;
            print!("{}", seed::render(&report, &config));
            Ok(())
        }
        Command::Admin { action: AdminCommand::Create { email, username, password_stdin: _ } } => {
            let config = load_config()?;
            ensure_data_dir(&config)?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let marketplace = app::open_marketplace(&config).await?;
            match marketplace.create_admin(NewUser { email, username, password }).await {
                Ok(user) => {
                    println!("created admin {} ({})", user.email, user.id);
                    Ok(())
                }
                Err(DomainError::Validation(errors)) => {
                    anyhow::bail!("invalid admin account:\n  {}", field_lines(&errors))
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}

/// Field errors as `field: message` lines.
fn field_lines(errors: &souk_kernel::FieldErrors) -> String {
    let lines: Vec<String> =
        errors.iter().map(|(field, messages)| format!("{field}: {}", messages.join("; "))).collect();
    lines.join("\n  ")
}

fn load_config() -> anyhow::Result<Config> {
    let config = Config::load()?;
    logging::init(&config.log, config.log_format)?;
    Ok(config)
}

fn ensure_data_dir(config: &Config) -> anyhow::Result<()> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    Ok(())
}
