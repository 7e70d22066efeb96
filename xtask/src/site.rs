//! The demo site: `www/` plus the packed npm bundle unpacked under `vendor/zapi-connect/`,
//! exactly as a web app that installed the package would serve it.

use crate::bundle::Bundle;
use crate::cmd::{self, Result};
use std::path::{Path, PathBuf};

pub fn assemble(bundle: &Bundle) -> Result<PathBuf> {
    let site = cmd::target_dir().join("site");
    let _ = std::fs::remove_dir_all(&site);
    copy_dir(&cmd::root().join("www"), &site)?;
    let vendor = site.join("vendor/zapi-connect");
    std::fs::create_dir_all(&vendor).map_err(|e| format!("{}: {e}", vendor.display()))?;
    cmd::run_in(
        "tar",
        &[
            "-xzf",
            bundle.tarball.to_str().ok_or("tarball path is not UTF-8")?,
            "--strip-components=1",
            "-C",
            vendor.to_str().ok_or("site path is not UTF-8")?,
        ],
        cmd::root(),
        &[],
    )?;
    Ok(site)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}
