//! API keys: loading the key file (one key per line, `#` comments; several keys allow
//! rotation), creating one when none exists, and constant-time checking of
//! `Authorization: Bearer <key>`. Keys are never logged or echoed.
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use subtle::ConstantTimeEq;

/// Shortest key accepted from a key file.
pub const MIN_KEY_LEN: usize = 16;

pub struct ApiKeys {
    keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} keys)", self.keys.len())
    }
}

impl ApiKeys {
    pub fn from_keys(keys: Vec<String>) -> Result<ApiKeys, String> {
        if keys.is_empty() {
            return Err("no API key configured".to_owned());
        }
        if let Some(short) = keys.iter().position(|k| k.len() < MIN_KEY_LEN) {
            return Err(format!(
                "API key #{} is shorter than {MIN_KEY_LEN} characters",
                short + 1
            ));
        }
        Ok(ApiKeys {
            keys: keys.into_iter().map(String::into_bytes).collect(),
        })
    }

    pub fn load(path: &Path) -> Result<ApiKeys, String> {
        let text = fs::read_to_string(path)
            .map_err(|e| format!("cannot read API key file {}: {e}", path.display()))?;
        let keys = parse_key_file(&text);
        ApiKeys::from_keys(keys).map_err(|e| format!("API key file {}: {e}", path.display()))
    }

    /// Loads `path`, first creating it (mode 0600) with a fresh random key if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<ApiKeys, String> {
        if !path.exists() {
            let key = random_key()?;
            write_private(path, &format!("{key}\n"))
                .map_err(|e| format!("cannot create API key file {}: {e}", path.display()))?;
        }
        ApiKeys::load(path)
    }

    /// Checks an `Authorization` header value.
    pub fn authorize(&self, header: Option<&str>) -> bool {
        let Some(presented) = header
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
        else {
            return false;
        };
        // Every configured key is compared, whatever the outcome, in constant time per key.
        self.keys
            .iter()
            .fold(subtle::Choice::from(0), |found, key| {
                found | key.as_slice().ct_eq(presented.as_bytes())
            })
            .into()
    }
}

/// Non-empty, non-comment lines of a key file.
pub fn parse_key_file(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Reads the first key of a key file (what clients send).
pub fn read_client_key(path: &Path) -> Result<String, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("cannot read API key file {}: {e}", path.display()))?;
    parse_key_file(&text)
        .into_iter()
        .next()
        .ok_or_else(|| format!("API key file {} holds no key", path.display()))
}

fn random_key() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_check() {
        let keys =
            ApiKeys::from_keys(vec!["0123456789abcdef".into(), "fedcba9876543210".into()]).unwrap();
        assert!(keys.authorize(Some("Bearer 0123456789abcdef")));
        assert!(keys.authorize(Some("Bearer fedcba9876543210")));
        assert!(!keys.authorize(Some("Bearer 0123456789abcde")));
        assert!(!keys.authorize(Some("0123456789abcdef")));
        assert!(!keys.authorize(None));
        assert!(ApiKeys::from_keys(vec!["short".into()])
            .unwrap_err()
            .contains("shorter than"));
        assert_eq!(parse_key_file("# c\n\n k1 \nk2\n"), vec!["k1", "k2"]);
    }

    #[test]
    fn creates_private_key_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api-key");
        ApiKeys::load_or_create(&path).unwrap();
        let key = read_client_key(&path).unwrap();
        assert_eq!(key.len(), 64);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let again = ApiKeys::load_or_create(&path).unwrap();
        assert!(again.authorize(Some(&format!("Bearer {key}"))));
    }
}
