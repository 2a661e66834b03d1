//! The `cms` binary: configuration, logging, then the chosen command.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newsroom_cms::articles::read_model;
use newsroom_cms::auth::passwords::hash_now;
use newsroom_cms::auth::roles::Role;
use newsroom_cms::config::Settings;
use newsroom_cms::media::library;
use newsroom_cms::media::storage::MediaStorage;
use newsroom_cms::media::store as media_store;
use newsroom_cms::startup::{self, Application};
use newsroom_cms::users::model::{check_password, normalize_display_name, normalize_email};
use newsroom_cms::users::store::create_account;
use newsroom_cms::{db, demo, router, search, telemetry};

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
    Serve {
        /// Load the demo newsroom first, when the database has no content yet.
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo newsroom into an empty database, and synthetic articles on request.
    Demo {
        /// Also add this many deterministic synthetic articles in tr, fr and en.
        #[arg(long, default_value_t = 0)]
        articles: u32,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Rebuild the delivery read model (every article's views and counters) and the search
    /// index from the source tables, each in one transaction: public reads see the old ones
    /// until it commits.
    Reindex,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Look after the media library's stored files.
    Media {
        #[command(subcommand)]
        action: MediaAction,
    },
    /// Create an account (any role), reading its password from standard input.
    CreateUser {
        /// Email address.
        #[arg(long)]
        email: String,
        /// Role: admin, editor, author, contributor or reader.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Display name (default: the part of the email before `@`).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (one line); required, so it never appears in
        /// the process list or shell history.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum MediaAction {
    /// Remove stored files that no media item uses (left by a crash between a delete's commit
    /// and the files' removal, or by an upload that failed after storing them).
    Gc {
        /// Keep files younger than this many minutes: they may belong to an upload still being
        /// committed.
        #[arg(long, default_value_t = 60)]
        min_age_minutes: u32,
    },
    /// Make every picture's variants again from its stored original (after the variant list
    /// changed), with a progress bar.
    Reprocess,
}

fn main() -> ExitCode {
    bound_malloc_arenas();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Openapi = command {
        print!("{}", router::openapi_json());
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
        Command::Serve { demo } => serve(settings, demo),
        Command::Demo { articles } => load_demo(&settings, articles),
        Command::Migrate => migrate(&settings),
        Command::Reindex => reindex(&settings),
        Command::Media { action } => match action {
            MediaAction::Gc { min_age_minutes } => media_gc(&settings, min_age_minutes),
            MediaAction::Reprocess => media_reprocess(&settings),
        },
        Command::CreateUser {
            email,
            role,
            display_name,
            password_stdin,
        } => create_user(
            &settings,
            &email,
            &role,
            display_name.as_deref(),
            password_stdin,
        ),
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

fn serve(settings: Settings, demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(database = %db::redact(&settings.database.url), "starting");
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(settings.clone())?;
        // Loaded through the server's own pool, before it serves a request.
        if demo && load_demo_newsroom(&settings, &mut *application.pool().get()?).await? {
            tracing::info!("loaded the demo newsroom");
        }
        application.stop_on_signals()?;
        tracing::info!(address = application.address(), "listening");
        application.run_until_stopped().await?;
        Ok(())
    })
}

fn load_demo(settings: &Settings, articles: u32) -> Result<(), Box<dyn std::error::Error>> {
    let database = startup::prepare_database(settings)?;
    let mut conn = database.pool().get()?;
    let loaded = actix_web::rt::System::new().block_on(load_demo_newsroom(settings, &mut conn))?;
    if loaded {
        println!("loaded the demo newsroom");
    } else {
        println!("the database has content already; the demo newsroom was not loaded");
    }
    if articles > 0 {
        let bar = progress_bar("articles");
        bar.set_length(u64::from(articles));
        let written = demo::load_synthetic(&mut conn, articles, |done| {
            bar.set_position(u64::from(done))
        })?;
        bar.finish();
        db::analyze(&mut conn)?;
        println!("added {written} synthetic articles");
    }
    Ok(())
}

/// Loads the demo newsroom, with its pictures in the media library, when the database has no
/// content yet; whether it did.
async fn load_demo_newsroom(
    settings: &Settings,
    conn: &mut db::DbConnection,
) -> Result<bool, Box<dyn std::error::Error>> {
    if !demo::is_empty(conn)? {
        return Ok(false);
    }
    let storage = MediaStorage::new(&settings.media.storage)?;
    let mut pictures = Vec::new();
    for picture in demo::pictures::pictures() {
        pictures.push(library::import(&storage, conn, picture).await?);
    }
    Ok(demo::load_newsroom(conn, &pictures)?)
}

fn media_gc(settings: &Settings, min_age_minutes: u32) -> Result<(), Box<dyn std::error::Error>> {
    let database = startup::prepare_database(settings)?;
    let mut conn = database.pool().get()?;
    let storage = MediaStorage::new(&settings.media.storage)?;
    let used = media_store::all_shas(&mut conn)?;
    let before = chrono::Utc::now() - chrono::Duration::minutes(i64::from(min_age_minutes));
    let removed =
        actix_web::rt::System::new().block_on(library::collect_garbage(&storage, &used, before))?;
    println!("removed {removed} stored files that no media item uses");
    Ok(())
}

fn media_reprocess(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    let database = startup::prepare_database(settings)?;
    let mut conn = database.pool().get()?;
    let storage = MediaStorage::new(&settings.media.storage)?;
    let ids = media_store::all_ids(&mut conn)?;
    let bar = progress_bar("pictures");
    bar.set_length(ids.len() as u64);
    actix_web::rt::System::new().block_on(async {
        for id in &ids {
            library::reprocess(&storage, &mut conn, *id).await?;
            bar.inc(1);
        }
        Ok::<_, library::ImportError>(())
    })?;
    bar.finish();
    println!("made the variants of {} pictures again", ids.len());
    Ok(())
}

fn reindex(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    let database = startup::prepare_database(settings)?;
    let mut conn = database.pool().get()?;
    let bar = progress_bar("articles");
    db::write_transaction(&mut conn, |conn| {
        read_model::rebuild(conn, &settings.urls, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
    })?;
    bar.finish();
    println!("rebuilt the read model of {} articles", bar.position());
    let bar = progress_bar("subjects");
    db::write_transaction(&mut conn, |conn| {
        search::index::rebuild(conn, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
    })?;
    bar.finish();
    db::analyze(&mut conn)?;
    println!(
        "rebuilt the search index of {} articles, pages, tags and authors",
        bar.position()
    );
    Ok(())
}

/// A progress bar counting `things`.
fn progress_bar(things: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {things}, {{per_sec}}, eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn migrate(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    startup::prepare_database(settings)?;
    println!("migrations are up to date");
    Ok(())
}

fn create_user(
    settings: &Settings,
    email: &str,
    role: &str,
    display_name: Option<&str>,
    password_stdin: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let role = Role::parse(role)
        .filter(|role| role.is_account_role())
        .ok_or("--role must be admin, editor, author, contributor or reader")?;
    if !password_stdin {
        return Err("pass the password on standard input with --password-stdin".into());
    }
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']);
    let email = normalize_email(email).map_err(|e| format!("--email {}", e.message))?;
    let name = display_name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email));
    let name = normalize_display_name(name).map_err(|e| format!("--display-name {}", e.message))?;
    check_password(password, "password").map_err(|e| format!("the password {}", e.message))?;
    let hash = hash_now(password)?;
    let db = startup::prepare_database(settings)?;
    let mut conn = db.pool().get()?;
    let user = create_account(&mut conn, &email, &name, role, &hash)?;
    println!("created {} {} (id {})", role.as_str(), user.email, user.id);
    Ok(())
}

/// Caps glibc's malloc at two arenas (unless `MALLOC_ARENA_MAX` says otherwise). By default
/// each of the many threads that run database work may get an arena of its own, and memory
/// freed in one is never reused by another: with the response cache off that was a fifth of
/// the server's peak memory, for no measurable throughput.
fn bound_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called first in `main`, before any other thread exists; mallopt only sets a
        // parameter of the allocator.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
