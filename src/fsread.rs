//! The one way sigmaforge reads a file.
//!
//! sigmaforge runs on pull requests, so every file it reads may be hostile: a FIFO that blocks
//! forever, `/dev/zero`, a symlink to `/proc/self/environ`, a sparse gigabyte file. Every read of the
//! crate goes through [`read_bytes`] or [`read_text`], which accept regular files only (checked from
//! metadata before opening, and again on the opened handle), refuse a file whose metadata size is over
//! the caller's cap without reading a byte, and read at most the announced size plus one byte, so a
//! growing file or a pseudo file that reports size 0 (everything under `/proc`) is refused instead of
//! read. Leaf module: it imports nothing of the crate.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;
use thiserror::Error;

/// What is being read and the most bytes such a file may have; both appear in every error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// What the file is, for messages ("rule file", "ATT&CK data").
    pub what: &'static str,
    /// Largest accepted size in bytes.
    pub bytes: u64,
}

/// Why a file was not read; every variant names the file.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The OS refused (missing file, permissions, I/O error).
    #[error("{path}: cannot read {what}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What it was read as.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// A directory, FIFO, socket or device.
    #[error("{path}: is a {kind}, not a regular file; refusing to read it as {what}")]
    NotRegular {
        /// The file.
        path: String,
        /// What it was read as.
        what: &'static str,
        /// What it is instead.
        kind: &'static str,
    },
    /// The metadata size is over the cap; nothing was read.
    #[error("{path}: {size} bytes, over the {limit} byte limit for {what}")]
    TooLarge {
        /// The file.
        path: String,
        /// What it was read as.
        what: &'static str,
        /// Size from metadata.
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// The file holds more bytes than its metadata says: a pseudo file (`/proc`) or one being written.
    #[error(
        "{path}: holds more than the {size} bytes its metadata reports (a /proc or other pseudo file, or a file being written); refusing to read it as {what}"
    )]
    Unstable {
        /// The file.
        path: String,
        /// What it was read as.
        what: &'static str,
        /// Size from metadata.
        size: u64,
    },
    /// [`read_text`] only: the bytes are not UTF-8.
    #[error("{path}: {what} is not UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: String,
        /// What it was read as.
        what: &'static str,
    },
}

impl ReadError {
    /// True when the file does not exist, so callers can fall back to a default.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// A description of a non-regular file type, for the error message.
fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "device";
        }
    }
    "special file"
}

/// Checks that `meta` describes a regular file within the cap; returns its size.
fn admit(meta: &Metadata, path: &Path, cap: Cap) -> Result<u64, ReadError> {
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular {
            path: path.display().to_string(),
            what: cap.what,
            kind: kind_of(meta),
        });
    }
    if meta.len() > cap.bytes {
        return Err(ReadError::TooLarge {
            path: path.display().to_string(),
            what: cap.what,
            size: meta.len(),
            limit: cap.bytes,
        });
    }
    Ok(meta.len())
}

/// Opens without blocking: a path swapped for a FIFO after the metadata check must not hang `open`.
fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// Reads a regular file of at most `cap.bytes` bytes.
pub fn read_bytes(path: &Path, cap: Cap) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.display().to_string(),
        what: cap.what,
        source,
    };
    admit(&std::fs::metadata(path).map_err(io)?, path, cap)?;
    let file = open(path).map_err(io)?;
    // The handle is what we read: check it too, in case the path changed since the first look.
    let size = admit(&file.metadata().map_err(io)?, path, cap)?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(size + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > size {
        return Err(ReadError::Unstable {
            path: path.display().to_string(),
            what: cap.what,
            size,
        });
    }
    Ok(bytes)
}

/// Reads a regular UTF-8 text file of at most `cap.bytes` bytes.
pub fn read_text(path: &Path, cap: Cap) -> Result<String, ReadError> {
    String::from_utf8(read_bytes(path, cap)?).map_err(|_| ReadError::NotUtf8 {
        path: path.display().to_string(),
        what: cap.what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: Cap = Cap {
        what: "test file",
        bytes: 16,
    };

    #[test]
    fn reads_a_small_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(read_text(&p, CAP).unwrap(), "hello");
    }

    #[test]
    fn refuses_over_the_cap_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        let f = File::create(&p).unwrap();
        f.set_len(1 << 30).unwrap();
        let e = read_bytes(&p, CAP).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { size, limit: 16, .. } if size == 1 << 30));
        assert!(e.to_string().contains("big") && e.to_string().contains("16 byte limit"));
    }

    #[test]
    fn refuses_directories_and_non_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_bytes(dir.path(), CAP).unwrap_err();
        assert!(
            matches!(
                e,
                ReadError::NotRegular {
                    kind: "directory",
                    ..
                }
            ),
            "{e}"
        );
        let p = dir.path().join("bin");
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        assert!(matches!(read_text(&p, CAP), Err(ReadError::NotUtf8 { .. })));
        let missing = read_bytes(&dir.path().join("none"), CAP).unwrap_err();
        assert!(missing.is_not_found());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn refuses_devices_and_proc_files() {
        let e = read_bytes(Path::new("/dev/zero"), CAP).unwrap_err();
        assert!(
            matches!(e, ReadError::NotRegular { kind: "device", .. }),
            "{e}"
        );
        let e = read_bytes(Path::new("/proc/self/environ"), CAP).unwrap_err();
        assert!(matches!(e, ReadError::Unstable { size: 0, .. }), "{e}");
    }
}
