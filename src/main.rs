//! The `cms` binary: configuration, logging, then the chosen command.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newsroom_cms::config::Settings;
use newsroom_cms::startup::{self, Application};
use newsroom_cms::{db, openapi, telemetry};

/// Newsroom CMS: a headless CMS for multilingual newsrooms.
#[derive(Parser)]
#[command(name = "cms", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default): migrate, seed an empty database, serve.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document as JSON.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", openapi::document_json());
        return ExitCode::SUCCESS;
    }
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: could not read .env: {error}");
        return ExitCode::from(2);
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let result = match command {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::Openapi => unreachable!("handled above"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "cms failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(database = %db::redact(&settings.database.url), "starting");
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(settings)?;
        application.stop_on_signals()?;
        tracing::info!(address = application.address(), "listening");
        application.run_until_stopped().await?;
        Ok(())
    })
}

fn migrate(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    startup::prepare_database(settings)?;
    println!("migrations are up to date");
    Ok(())
}
