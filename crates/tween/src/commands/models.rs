//! `tween models`: import weights into the model store, list it, verify it.

use std::path::PathBuf;

use crate::stdout::outln;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use tween_nn::{ImportOptions, ModelStore};

#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
    /// Models folder. Default: $TWEEN_MODELS_DIR, else ~/.local/share/tween/models
    /// ($XDG_DATA_HOME/tween/models).
    #[arg(long, global = true)]
    pub models_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Import a weight file (.pth/.pkl/.safetensors): checked, converted to safetensors, hashed.
    Import {
        /// The weight file. Read with a restricted unpickler: it can never run code.
        file: PathBuf,
        /// Model name (default: the file name, or e.g. rife-v4.25 for flownet.pkl).
        #[arg(long)]
        name: Option<String>,
        /// Replace a model of the same name.
        #[arg(long)]
        overwrite: bool,
    },
    /// List the models in the store.
    List,
    /// Re-hash and re-parse stored models (all, or NAME); fails if any is damaged.
    Verify {
        /// Model to verify (default: all).
        name: Option<String>,
    },
}

pub fn run(args: ModelsArgs) -> Result<()> {
    let dir = ModelStore::resolve_dir(args.models_dir.as_deref())?;
    let store = ModelStore::new(dir);
    match args.command {
        ModelsCommand::Import {
            file,
            name,
            overwrite,
        } => {
            let m = store
                .import(&file, &ImportOptions { name, overwrite })
                .with_context(|| format!("importing {}", file.display()))?;
            outln!(
                "imported {} ({}; {} tensors, {} parameters) into {}",
                m.name,
                m.description,
                m.tensors,
                m.parameters,
                store.dir().display()
            );
            Ok(())
        }
        ModelsCommand::List => {
            let models = store.list()?;
            if models.is_empty() {
                outln!("no models in {}", store.dir().display());
                return Ok(());
            }
            outln!(
                "{:<28} {:<8} {:>11}  {:<20}  ARCHITECTURE",
                "NAME",
                "FAMILY",
                "PARAMS",
                "IMPORTED"
            );
            for (name, m) in models {
                match m {
                    Ok(m) => outln!(
                        "{:<28} {:<8} {:>11}  {:<20}  {}",
                        name,
                        m.architecture.family(),
                        m.parameters,
                        m.imported_at,
                        m.description
                    ),
                    Err(e) => outln!("{name:<28} (unreadable manifest: {e})"),
                }
            }
            Ok(())
        }
        ModelsCommand::Verify { name } => {
            let reports = match name {
                Some(n) => vec![store.verify(&n)?],
                None => store.verify_all()?,
            };
            let mut failed = 0;
            for r in &reports {
                if r.ok() {
                    outln!("OK    {}", r.name);
                } else {
                    failed += 1;
                    outln!("FAIL  {}", r.name);
                    for p in &r.problems {
                        outln!("      {p}");
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} of {} models failed verification", reports.len());
            }
            if reports.is_empty() {
                outln!("no models in {}", store.dir().display());
            }
            Ok(())
        }
    }
}
