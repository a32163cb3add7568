//! Writing outputs safely: checked before any work, written atomically.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::SomError;

/// Checks, before any work, that `out` (given with `flag`) can be written without destroying
/// anything: its directory exists; it is not an existing directory, device, FIFO or other
/// non-regular file; it is not read-only; and it is not the same file as any of `inputs` (the
/// same path, a symlink to it or a hard link of it), named by their flags in the error.
///
/// # Errors
/// [`SomError::Output`] naming the flag, the path and the problem.
pub fn check_output(flag: &str, out: &Path, inputs: &[(&str, &Path)]) -> Result<(), SomError> {
    let bad = |why: String| SomError::Output(format!("{flag} {}: {why}", out.display()));
    let dir = parent_dir(out);
    if !dir.is_dir() {
        return Err(bad(format!("the directory {} does not exist", dir.display())));
    }
    let meta = fs::metadata(out).ok();
    if let Some(meta) = &meta {
        if !meta.is_file() {
            return Err(bad("exists and is not a regular file; choose a file path".into()));
        }
        if meta.permissions().readonly() {
            return Err(bad("exists and is read-only".into()));
        }
    }
    for (input_flag, input) in inputs {
        // Existing files compare as files (hard links and symlinks included); a path that does
        // not exist yet (another output) compares as a path.
        let same = match (&meta, fs::metadata(input)) {
            (Some(a), Ok(b)) => same_file((out, a), (input, &b)),
            _ => normalized(out).is_some_and(|o| normalized(input) == Some(o)),
        };
        if same {
            return Err(bad(format!(
                "is the same file as {input_flag} {}: writing it would destroy that",
                input.display()
            )));
        }
    }
    Ok(())
}

/// `path` with its directory resolved (symlinks, `..`), for comparing paths that may not exist.
fn normalized(path: &Path) -> Option<PathBuf> {
    Some(fs::canonicalize(parent_dir(path)).ok()?.join(path.file_name()?))
}

/// Whether two existing paths are one file: the same device and inode (hard links, symlinks).
#[cfg(unix)]
fn same_file((_, a): (&Path, &fs::Metadata), (_, b): (&Path, &fs::Metadata)) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// Whether two existing paths are one file: without inode numbers, the same canonical path
/// (symlinks resolved; hard links not seen).
#[cfg(not(unix))]
fn same_file((a, _): (&Path, &fs::Metadata), (b, _): (&Path, &fs::Metadata)) -> bool {
    matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `path` atomically: into a new temporary file next to it (a random name,
/// created with `create_new`, so a planted file or symlink is never followed or reused), synced,
/// given the permissions of the file it replaces, then renamed over it, and the directory
/// synced. A symlink at `path` is followed: its target is replaced, the link kept. A temporary
/// file of ours left by a killed process (its process gone) is removed.
///
/// # Errors
/// [`SomError::Io`] naming `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SomError> {
    let io = |e| SomError::io(path, e);
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).map_err(io)?,
        _ => path.to_path_buf(),
    };
    let dir = parent_dir(&target);
    let name = target
        .file_name()
        .ok_or_else(|| io(std::io::Error::other("not a file path")))?
        .to_string_lossy()
        .into_owned();
    remove_stale_temps(&dir, &name);
    let (tmp, mut file) = (0..16)
        .find_map(|_| {
            let tmp = dir.join(format!(
                ".{name}.{}.{:016x}.tmp",
                std::process::id(),
                rand::random::<u64>()
            ));
            match fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(f) => Some(Ok((tmp, f))),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .unwrap_or_else(|| Err(std::io::Error::other("no free temporary file name")))
        .map_err(io)?;
    let result = (|| {
        file.write_all(bytes)?;
        if let Ok(old) = fs::metadata(&target) {
            file.set_permissions(old.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)?;
        // The rename itself reaches the disk with the directory's entry.
        fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .or_else(|e| if cfg!(unix) { Err(e) } else { Ok(()) })
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io(e)
    })
}

/// Removes `.NAME.PID.RANDOM.tmp` files in `dir` whose process no longer runs (Linux's `/proc`
/// tells; elsewhere nothing is removed).
fn remove_stale_temps(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        let Some((pid, random)) = rest.split_once('.') else {
            continue;
        };
        let ours =
            pid.parse::<u32>().is_ok() && random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit());
        if ours && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn refused(flag: &str, out: &Path, inputs: &[(&str, &Path)]) -> String {
        match check_output(flag, out, inputs) {
            Err(SomError::Output(why)) => why,
            other => panic!("{} accepted or refused oddly: {other:?}", out.display()),
        }
    }

    #[test]
    fn outputs_that_would_destroy_something_are_refused_naming_why() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("data.csv");
        fs::write(&input, "1,2\n").unwrap();
        let model = dir.path().join("model.som");
        fs::write(&model, "").unwrap();
        let out = dir.path().join("map.som");
        assert!(check_output("--out", &out, &[("--data", &input)]).is_ok());
        assert!(
            check_output("--out", &model, &[("--data", &input)]).is_ok(),
            "an existing file"
        );
        // A bare file name is in the working directory, which exists.
        assert!(check_output("--out", Path::new("no-such-file.som"), &[]).is_ok());

        let why = refused("--out", &dir.path().join("nowhere/map.som"), &[]);
        assert!(
            why.starts_with("--out ") && why.contains("does not exist"),
            "{why}"
        );
        assert!(refused("--out", dir.path(), &[]).contains("not a regular file"));
        let locked = dir.path().join("locked.som");
        fs::write(&locked, "").unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o444)).unwrap();
        assert!(refused("--out", &locked, &[]).contains("read-only"));

        // The input itself, through a symlink, as a hard link, and (not yet existing) as the
        // same path spelt another way, as another output would be.
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let hard = dir.path().join("hard.csv");
        fs::hard_link(&input, &hard).unwrap();
        for out in [input.clone(), link, hard] {
            let why = refused("--out", &out, &[("--model", &model), ("--data", &input)]);
            assert!(why.contains("same file as --data"), "{why}");
        }
        let other = dir.path().join("sub");
        fs::create_dir(&other).unwrap();
        let spelt = other.join("../map.som");
        let why = refused("--out", &out, &[("--plot", &spelt)]);
        assert!(why.contains("same file as --plot"), "{why}");
        assert!(check_output("--out", &out, &[("--plot", &other.join("map.som"))]).is_ok());
    }

    #[test]
    fn parent_dir_of_a_bare_name_is_the_working_directory() {
        assert_eq!(parent_dir(Path::new("map.som")), PathBuf::from("."));
        assert_eq!(parent_dir(Path::new("a/map.som")), PathBuf::from("a"));
    }

    #[test]
    fn writes_replace_the_file_keep_its_mode_and_follow_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.som");
        write_atomic(&path, b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);

        let link = dir.path().join("latest.som");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        write_atomic(&link, b"three").unwrap();
        assert!(
            fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
            "link kept"
        );
        assert_eq!(fs::read(&path).unwrap(), b"three");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }

    /// A directory that does not exist: the open's own error, not a search for a free name.
    #[test]
    fn a_write_into_a_missing_directory_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nowhere/map.som");
        match write_atomic(&path, b"x") {
            Err(SomError::Io { path: p, source }) => {
                assert_eq!(p, path);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound, "{source}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// Only `.NAME.PID.RANDOM.tmp` files of this output, of a process that is gone, with a
    /// 16-digit hexadecimal RANDOM, are removed.
    #[test]
    fn only_our_stale_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // Above Linux's largest pid (2^22), so no process has it.
        let gone = 4_999_999;
        let me = std::process::id();
        let stale = format!(".map.som.{gone}.0123456789abcdef.tmp");
        let kept = [
            format!(".map.som.{me}.0123456789abcdef.tmp"),
            format!(".map.som.{gone}.0123456789abcde.tmp"),
            format!(".map.som.{gone}.0123456789abcdeg.tmp"),
            format!(".map.som.x{gone}.0123456789abcdef.tmp"),
            format!(".map.som.{gone}0123456789abcdef.tmp"),
            format!(".other.som.{gone}.0123456789abcdef.tmp"),
            format!(".map.som.{gone}.0123456789abcdef.txt"),
        ];
        for name in kept.iter().chain([&stale]) {
            fs::write(dir.path().join(name), "").unwrap();
        }
        write_atomic(&dir.path().join("map.som"), b"x").unwrap();
        assert!(!dir.path().join(&stale).exists(), "{stale} removed");
        for name in &kept {
            assert!(dir.path().join(name).exists(), "{name} kept");
        }
    }
}
