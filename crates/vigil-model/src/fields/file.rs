//! The FILE fields, shared by every `<prefix>.file`, `.file.destination`, `process.file` and
//! `process.interpreter.file`.

use super::{row, Getter as G, Row, PATH, PLAIN, TIME};
use crate::file::File;

pub(super) fn rows() -> Vec<Row<File>> {
    vec![
        row!("path", G::Str(|f| &f.path), PATH),
        row!("name", G::Str(|f| &f.name)),
        row!("extension", G::Str(|f| extension(&f.name))),
        row!("inode", G::Int(|f| f.inode as i64)),
        row!("mount_id", G::Int(|f| f.mount_id.into())),
        row!("mode", G::Int(|f| f.mode.into())),
        row!("rights", G::Int(|f| f.rights().into())),
        row!("uid", G::Int(|f| f.uid.into())),
        row!("gid", G::Int(|f| f.gid.into())),
        row!("user", G::Str(|f| &f.user)),
        row!("group", G::Str(|f| &f.group)),
        row!("filesystem", G::Str(|f| &f.filesystem)),
        row!(
            "in_upper_layer",
            G::Bool(|f| f.in_upper_layer.unwrap_or(false))
        ),
        row!(
            "modification_time",
            G::Int(|f| f.modification_time as i64),
            TIME
        ),
        row!("change_time", G::Int(|f| f.change_time as i64), TIME),
        row!("package.name", G::Str(|f| &f.package_name), PLAIN, unfilled),
        row!(
            "package.version",
            G::Str(|f| &f.package_version),
            PLAIN,
            unfilled
        ),
        row!("package.source_version", G::Str(|_| ""), PLAIN, unfilled),
        row!("hashes", G::Strs(|_, _| false), PLAIN, unfilled),
    ]
}

/// The extension of a file name (`a.tar.gz` → `gz`); empty when there is none.
fn extension(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    }
}
