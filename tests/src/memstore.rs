//! Credentials kept in memory: the store the tests give the library in
//! place of the OS keychain (fakes and test stores live only in `tests/`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use daozhang::sources::creds::{CredError, CredStore, Credentials};

#[derive(Default)]
pub struct MemStore(Mutex<BTreeMap<String, Credentials>>);

impl MemStore {
    /// A store holding `entries` (source id, its credentials).
    pub fn with(entries: &[(&str, Credentials)]) -> MemStore {
        let store = MemStore::default();
        for (source, c) in entries {
            store.save(source, c).expect("an in-memory save");
        }
        store
    }

    /// What the store holds for `source` (it must hold something).
    pub fn get(&self, source: &str) -> Credentials {
        self.load(source)
            .expect("an in-memory load")
            .expect("credentials were saved")
    }
}

impl CredStore for MemStore {
    fn load(&self, source: &str) -> Result<Option<Credentials>, CredError> {
        Ok(self.0.lock().expect("store lock").get(source).cloned())
    }

    fn save(&self, source: &str, creds: &Credentials) -> Result<(), CredError> {
        self.0
            .lock()
            .expect("store lock")
            .insert(source.to_owned(), creds.clone());
        Ok(())
    }

    fn delete(&self, source: &str) -> Result<bool, CredError> {
        Ok(self.0.lock().expect("store lock").remove(source).is_some())
    }
}
