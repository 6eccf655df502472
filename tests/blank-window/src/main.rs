//! A blank Tauri 2 window: what start-up costs before an app adds anything.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("the blank window could not start: {e}");
        std::process::exit(1);
    }
}
